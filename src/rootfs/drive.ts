/**
 * Builds the container's root drive: an ext4 image made from the rootfs
 * directory with `mkfs.ext4 -d`, sized from the content plus free space for
 * writes. The image is sparse, so the free space costs nothing until used.
 * Limitation: every create copies the whole rootfs; a per-image cache that
 * makes the second start O(1) comes with the benchmark work (issue 6).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
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

  // The drive is sparse, but the guest may fill all of it: the host must have
  // room for the whole drive, so that a full disk is the guest's ENOSPC and
  // never the host's.
  // Limitation: drives created together each see the same free space and can
  // together promise more than the host has; preallocating them would lift it.
  const dir = options.image.replace(/\/[^/]+$/, '');
  const free = fs.statfsSync(dir);
  const freeMiB = Math.floor((free.bavail * free.bsize) / MIB);
  if (freeMiB < mib) {
    throw new DockFireError(
      `not enough disk space in ${dir} for the root drive: it needs ${mib} MiB ` +
        `(${mib - needed} MiB of it room for writes, setting diskFreeMiB), ${freeMiB} MiB are free`,
    );
  }

  // Twice the content's inodes leaves room for files the container creates.
  const inodes = Math.max(4096, size.inodes * 2 + 1024);
  try {
    execFileSync(
      'mkfs.ext4',
      [
        '-q',
        '-F',
        '-O',
        '^has_journal',
        '-m',
        '0',
        '-N',
        String(inodes),
        '-E',
        'root_owner=0:0',
        '-d',
        options.root,
        options.image,
        `${mib}M`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .pop();
    throw new DockFireError(`mkfs.ext4 failed: ${stderr || (err as Error).message}`);
  }
  return mib;
}
