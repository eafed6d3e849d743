/**
 * Where the bench keeps files (bench/README.md, "Files"): caches shared by
 * runs, each entry built under a name of the run's own and renamed into
 * place once whole, and a directory that is the run's own, removed at its
 * end. Nothing is shared by two runs while it is being written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { registerPath, removeTree } from './cleanup';

export const BENCH_DIR = '/var/tmp/dock-fire-bench';
/** The test image's files, one directory per image ID (a rebuilt image is exported anew). */
export const IMAGE_CACHE = path.join(BENCH_DIR, 'images');
/** The rootfs section's image trees of 10, 300 and 1024 MiB (trees.ts). */
export const TREE_CACHE = path.join(BENCH_DIR, 'trees');
/** This run's bundle, logs, cidfiles and rootfs work. */
export const RUN_DIR = path.join(BENCH_DIR, `run-${process.pid}`);
/** The runtimes' --root for this run's containers. */
export const STATE_ROOT = `/run/dock-fire-bench-${process.pid}`;

/** Where older versions of the bench kept files, shared by every run. */
const OLD_PATHS = [
  '/var/tmp/dock-fire-bench-bundle',
  '/var/tmp/dock-fire-bench-trees',
  '/var/lib/dock-fire-bench',
];

/** dir, made by build in a directory of this run's and renamed into place once whole. */
export async function cached(
  dir: string,
  build: (tmp: string) => Promise<void> | void,
): Promise<string> {
  if (fs.existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  const release = registerPath(tmp);
  try {
    await removeTree(tmp);
    fs.mkdirSync(tmp, { recursive: true });
    await build(tmp);
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run put its copy in place first: keep that one.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await release();
  }
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The run that made a path of the scratch (`run-PID`, `NAME.tmp-PID`). */
function runOf(name: string): number | undefined {
  const pid = Number(/^run-(\d+)$|\.tmp-(\d+)$/.exec(name)?.slice(1).find(Boolean));
  return pid > 0 ? pid : undefined;
}

function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
}

/**
 * The runtimes' --root of runs killed before their cleanup: removed when no
 * container is left in it (one directory per runtime, one entry per
 * container), else named, with the containers for the user to delete.
 */
function removeLeftStateRoots(): void {
  for (const name of fs.readdirSync(path.dirname(STATE_ROOT))) {
    const pid = Number(/^dock-fire-bench-(\d+)$/.exec(name)?.[1]);
    if (!(pid > 0) || alive(pid)) continue;
    const root = path.join(path.dirname(STATE_ROOT), name);
    const left = entries(root).flatMap((dir) =>
      fs.statSync(dir).isDirectory() ? entries(dir) : [dir],
    );
    if (left.length === 0) {
      fs.rmSync(root, { recursive: true, force: true });
      continue;
    }
    console.error(
      `bench: ${root}, of run ${pid} that ended uncleanly, still holds containers: ` +
        `${left.join(', ')} (delete them with the runtime's --root and delete --force)`,
    );
  }
}

/**
 * Removes what runs killed before their cleanup (SIGKILL, a crash) left,
 * overlays unmounted first; one line for each. What cannot be removed (a
 * busy mount) is in no run's way: it is left, with a line saying so.
 */
export async function removeLeftScratch(): Promise<void> {
  removeLeftStateRoots();
  for (const p of [...entries(BENCH_DIR), ...entries(IMAGE_CACHE), ...entries(TREE_CACHE)]) {
    const pid = runOf(path.basename(p));
    if (pid === undefined || (alive(pid) && p !== RUN_DIR)) continue;
    try {
      await removeTree(p);
      console.error(`bench: removed ${p}, left by run ${pid} that ended uncleanly`);
    } catch (err) {
      console.error(`bench: left ${p} of an earlier run: ${(err as Error).message}`);
    }
  }
}

/** `--clean`: the caches, what killed runs left, and older versions' paths. */
export async function clean(): Promise<void> {
  await removeLeftScratch();
  const running = entries(BENCH_DIR).filter((p) => {
    const pid = runOf(path.basename(p));
    return pid !== undefined && alive(pid);
  });
  if (running.length > 0) {
    throw new Error(`--clean: a bench is running (${running.join(', ')}); try when it ends`);
  }
  for (const p of [BENCH_DIR, ...OLD_PATHS]) {
    if (!fs.existsSync(p)) continue;
    await removeTree(p);
    console.log(`removed ${p}`);
  }
}
