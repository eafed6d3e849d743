/**
 * Image trees of known sizes for the rootfs figures, made locally once and
 * kept under /var/tmp: files of 64 KiB in directories of 100 files each,
 * plus the test image's own files, so that each is a runnable image.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const TREE_DIR = '/var/tmp/dock-fire-bench-trees';
const FILE_BYTES = 64 * 1024;
const FILES_PER_DIR = 100;

export function makeTree(baseRootfs: string, mib: number): string {
  const dir = path.join(TREE_DIR, `${mib}mib`);
  const done = path.join(TREE_DIR, `${mib}mib.done`);
  if (fs.existsSync(done)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(baseRootfs, dir, { recursive: true, verbatimSymlinks: true });

  const block = crypto.randomBytes(FILE_BYTES * 16);
  const files = Math.ceil((mib * 1024 * 1024) / FILE_BYTES);
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, 'data', String(Math.floor(i / FILES_PER_DIR)));
    if (i % FILES_PER_DIR === 0) fs.mkdirSync(sub, { recursive: true });
    const at = (i % 16) * FILE_BYTES;
    fs.writeFileSync(path.join(sub, `f${i}`), block.subarray(at, at + FILE_BYTES));
  }
  fs.writeFileSync(done, '');
  return dir;
}
