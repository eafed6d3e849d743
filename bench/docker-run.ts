/**
 * Through Docker: `docker run --rm IMG true` one at a time, and N containers
 * started at once, each exiting with its own code, all checked.
 */
import fs from 'node:fs';
import type { Runtime } from './bundle';
import { register, registerDocker } from './cleanup';
import { must, reason, run, type RunResult } from './exec';

/** Where Docker's shim keeps the runtime state of its containers (the runtime's --root). */
const DOCKER_RUNTIME_ROOT = '/run/docker/runtime-runc/moby';

/**
 * A container whose `start` failed (a boot slower than bootTimeoutSeconds)
 * is removed by Docker without a runtime `delete` (docs/limitations.md): the
 * harness deletes what is left, so a run leaves nothing behind.
 */
async function deleteLeftover(rt: Runtime, cidFile: string): Promise<void> {
  let id: string;
  try {
    id = fs.readFileSync(cidFile, 'utf8').trim();
  } catch {
    return;
  }
  fs.rmSync(cidFile, { force: true });
  if (!rt.isRunc && /^[0-9a-f]{64}$/.test(id) && fs.existsSync(`${DOCKER_RUNTIME_ROOT}/${id}`)) {
    const argv = [rt.argv[0], '--root', DOCKER_RUNTIME_ROOT, 'delete', '--force', id];
    await run(argv, { cleanup: true });
  }
}

/** Flags of every `docker run` here: the image must be local, never pulled. */
const RUN_FLAGS = ['--rm', '--pull=never'];

export async function dockerRunTrue(runtime: string, image: string): Promise<number> {
  const name = `dfbench-${process.pid}-run`;
  const remove = registerDocker([name]);
  try {
    const argv = ['docker', 'run', ...RUN_FLAGS, '--name', name, `--runtime=${runtime}`];
    return (await must([...argv, image, 'true'], 180_000)).ms;
  } finally {
    await remove();
  }
}

export interface BurstResult {
  /** The runtime's name in Docker. */
  runtime: string;
  n: number;
  totalMs: number;
  rightCodes: number;
  timedOut: number;
  /** What went wrong in the runs that did, each distinct line once (exec.ts's reason). */
  errors: string[];
}

/**
 * Starts n `docker run`s at once; container i exits with code i % 100 + 1.
 * Their cidfiles go in dir, the run's own.
 */
export async function burst(
  rt: Runtime,
  image: string,
  n: number,
  timeoutMs: number,
  dir: string,
): Promise<BurstResult> {
  const prefix = `dfbench-${process.pid}-${rt.name}-${n}`;
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const cidFile = (i: number) => `${dir}/${prefix}-${i}.cid`;
  const command = (i: number) => ['sh', '-c', `exit ${(i % 100) + 1}`];
  // Docker's own removal first, then what a failed start left to the runtime.
  const removeLeftovers = register(`Docker containers ${prefix}-*`, async () => {
    await run(['docker', 'rm', '-f', ...names], { cleanup: true, timeoutMs: 300_000 });
    await Promise.all(names.map((_, i) => deleteLeftover(rt, cidFile(i))));
  });
  const t0 = Date.now();
  const runs: Promise<RunResult>[] = [];
  for (let i = 0; i < n; i++) {
    const flags = [...RUN_FLAGS, '--name', names[i], '--cidfile', cidFile(i)];
    const argv = ['docker', 'run', ...flags, `--runtime=${rt.name}`, image, ...command(i)];
    runs.push(run(argv, { timeoutMs }));
  }
  const results = await Promise.all(runs);
  const totalMs = Date.now() - t0;
  const timedOut = results.filter((r) => r.timedOut).length;
  await removeLeftovers();
  const rightCodes = results.filter((r, i) => r.code === (i % 100) + 1).length;
  const errors = results.filter((r, i) => r.code !== (i % 100) + 1).map(reason);
  const distinct = [...new Set(errors)].slice(0, 5);
  return { runtime: rt.name, n, totalMs, rightCodes, timedOut, errors: distinct };
}
