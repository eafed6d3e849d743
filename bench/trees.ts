/**
 * Image trees of known sizes for the rootfs figures, made locally once and
 * kept in the cache (scratch.ts): files of 64 KiB in directories of 100
 * files each, plus the test image's own files, so that each is a runnable
 * image. Made synchronously: a signal waits until the tree is whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cached, TREE_CACHE } from './scratch';

const FILE_BYTES = 64 * 1024;
const FILES_PER_DIR = 100;

export function makeTree(baseRootfs: string, mib: number): Promise<string> {
  return cached(path.join(TREE_CACHE, `${mib}mib`), (dir) => {
    fs.cpSync(baseRootfs, dir, { recursive: true, verbatimSymlinks: true });

    const block = crypto.randomBytes(FILE_BYTES * 16);
    const files = Math.ceil((mib * 1024 * 1024) / FILE_BYTES);
    for (let i = 0; i < files; i++) {
      const sub = path.join(dir, 'data', String(Math.floor(i / FILES_PER_DIR)));
      if (i % FILES_PER_DIR === 0) fs.mkdirSync(sub, { recursive: true });
      const at = (i % 16) * FILE_BYTES;
      fs.writeFileSync(path.join(sub, `f${i}`), block.subarray(at, at + FILE_BYTES));
    }
  });
}
