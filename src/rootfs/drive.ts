/**
 * Builds the container's root drive: an ext4 image made from the rootfs
 * directory with `mkfs.ext4 -d`, sized from the content plus free space for
 * writes. The image is sparse, so the free space costs nothing until used.
 * This is the path without the per-image cache (cache.ts): a rootfs that
 * cannot be shared, or the cache turned off.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError } from '../errors';

const MIB = 1024 * 1024;
/** Room for ext4 metadata (bitmaps, inode tables beyond the content, superblocks). */
const METADATA_MIB = 16;
const INODE_SIZE = 256;

export interface DriveSize {
  contentBytes: number;
  inodes: number;
}

export function measureRootfs(root: string): DriveSize {
  const du = (args: string[]) =>
    Number(execFileSync('du', ['-s', ...args, root], { encoding: 'utf8' }).split(/\s/)[0]);
  try {
    return { contentBytes: du(['-B1', '--apparent-size']), inodes: du(['--inodes']) };
  } catch (err) {
    throw new DockFireError(`measuring the rootfs ${root}: ${(err as Error).message}`);
  }
}

/** Drive size in MiB: the content, room for its inodes, metadata and free space. */
export function driveMiB(size: DriveSize, freeMiB: number): number {
  const content = Math.ceil((size.contentBytes * 1.1) / MIB);
  const inodeTables = Math.ceil((size.inodes * 2 * INODE_SIZE) / MIB);
  return content + inodeTables + METADATA_MIB + freeMiB;
}

export interface Ext4Options {
  /** Directory whose content fills the filesystem; none for an empty one. */
  root?: string;
  image: string;
  mib: number;
  inodes?: number;
}

/** mkfs.ext4's arguments: no journal (the drive dies with its VM), no reserved blocks. */
export function mkfsArgs(o: Ext4Options): string[] {
  const args = ['-q', '-F', '-O', '^has_journal', '-m', '0', '-E', 'root_owner=0:0'];
  if (o.inodes !== undefined) args.push('-N', String(o.inodes));
  if (o.root !== undefined) args.push('-d', o.root);
  return [...args, o.image, `${o.mib}M`];
}

export function mkfsError(err: unknown): DockFireError {
  const stderr = String((err as { stderr?: Buffer | string }).stderr ?? '')
    .trim()
    .split('\n')
    .pop();
  return new DockFireError(`mkfs.ext4 failed: ${stderr || (err as Error).message}`);
}

export function makeExt4Sync(o: Ext4Options): void {
  try {
    execFileSync('mkfs.ext4', mkfsArgs(o), { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw mkfsError(err);
  }
}

/** Fails with a clear line when dir's filesystem has less than mib MiB free. */
export function checkFreeSpace(dir: string, mib: number, what: string): void {
  const free = fs.statfsSync(dir);
  const freeMiB = Math.floor((free.bavail * free.bsize) / MIB);
  if (freeMiB < mib) {
    throw new DockFireError(
      `not enough disk space in ${dir} for ${what}: it needs ${mib} MiB, ${freeMiB} MiB are free`,
    );
  }
}

export interface BuildDriveOptions {
  root: string;
  image: string;
  freeMiB: number;
  /** A fixed size (annotation dock-fire.disk-mib), checked against the content. */
  fixedMiB?: number;
}

export function buildDrive(options: BuildDriveOptions): number {
  const size = measureRootfs(options.root);
  const needed = driveMiB(size, 0);
  let mib = driveMiB(size, options.freeMiB);
  if (options.fixedMiB !== undefined) {
    if (options.fixedMiB < needed) {
      throw new DockFireError(
        `the image's root filesystem needs ${needed} MiB but the root drive is set to ` +
          `${options.fixedMiB} MiB (annotation dock-fire.disk-mib or setting diskMiB): raise it`,
      );
    }
    mib = options.fixedMiB;
  }

  // All of it: the drive is sparse, and the guest may fill its free part.
  checkFreeSpace(path.dirname(options.image), mib, 'the root drive');

  // Twice the content's inodes leaves room for files the container creates.
  const inodes = Math.max(4096, size.inodes * 2 + 1024);
  makeExt4Sync({ root: options.root, image: options.image, mib, inodes });
  return mib;
}
