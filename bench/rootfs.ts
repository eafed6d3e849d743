/**
 * Rootfs preparation for images of ~10 MB, ~300 MB and ~1 GB: the first
 * start of an image and the second, in process, through the function create
 * uses. Each "container" gets a rootfs laid out as Docker's overlay2 lays it
 * out (the image as a lower layer, a per-container `-init` layer and an empty
 * upper), mounted here and unmounted after. runc does no such work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { prepareRootDrives } from '../src/rootfs/prepare';
import { registerMount, registerPath } from './cleanup';
import { must } from './exec';
import { makeTree } from './trees';

export interface RootfsFigure {
  mib: number;
  /** One sample: each is a full copy of the image (seconds for 1 GiB). */
  firstMs: number;
  /** The containers after the first, each over the base the first built. */
  secondMs: number[];
}

const SECOND_STARTS = 3;

async function dockerLikeRootfs(image: string, dir: string) {
  const init = path.join(dir, 'c-init', 'diff');
  for (const sub of ['diff', 'work', 'merged'])
    fs.mkdirSync(path.join(dir, 'c', sub), { recursive: true });
  fs.mkdirSync(path.join(init, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(init, 'etc', 'hosts'), '');
  const merged = path.join(dir, 'c', 'merged');
  const options = `lowerdir=${init}:${image},upperdir=${dir}/c/diff,workdir=${dir}/c/work`;
  const unmount = registerMount(merged);
  await must(['mount', '-t', 'overlay', 'overlay', '-o', options, merged]);
  return { merged, unmount };
}

async function prepareOnce(image: string, workDir: string, n: number, cacheMiB: number) {
  const dir = path.join(workDir, `container-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  const { merged: rootfs, unmount } = await dockerLikeRootfs(image, dir);
  try {
    const containerDir = path.join(dir, 'drives');
    fs.mkdirSync(containerDir);
    const t0 = process.hrtime.bigint();
    await prepareRootDrives({
      id: `bench-${n}`,
      rootfs,
      containerDir,
      imageDir: workDir,
      freeMiB: 512,
      cacheMiB,
    });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    await unmount();
  }
}

/**
 * The first start of one image and the next few; the containers stay until
 * all are measured.
 * workDir is the run's own and holds the image cache: the first start finds
 * it empty.
 */
export async function rootfsFigure(
  baseRootfs: string,
  mib: number,
  workDir: string,
  cacheMiB: number,
): Promise<RootfsFigure> {
  const image = await makeTree(baseRootfs, mib);
  const remove = registerPath(workDir);
  try {
    const firstMs = await prepareOnce(image, workDir, 1, cacheMiB);
    const secondMs: number[] = [];
    for (let n = 2; n < 2 + SECOND_STARTS; n++) {
      secondMs.push(await prepareOnce(image, workDir, n, cacheMiB));
    }
    return { mib, firstMs, secondMs };
  } finally {
    await remove();
  }
}
