/**
 * Rootfs preparation for images of ~10 MB, ~300 MB and ~1 GB: the first
 * start of an image and the second, in process, through the same function
 * create uses. (runc does no such work: it uses the directory as it is.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildDrive } from '../src/rootfs/drive';
import { makeTree } from './trees';

export interface RootfsFigure {
  mib: number;
  firstMs: number;
  secondMs: number;
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function rootfsFigure(baseRootfs: string, mib: number, workDir: string): RootfsFigure {
  const tree = makeTree(baseRootfs, mib);
  fs.mkdirSync(workDir, { recursive: true });
  const prepare = (n: number) => {
    const image = path.join(workDir, `drive-${n}.ext4`);
    const ms = timed(() => buildDrive({ root: tree, image, freeMiB: 512 }));
    fs.rmSync(image, { force: true });
    return ms;
  };
  return { mib, firstMs: prepare(1), secondMs: prepare(2) };
}
