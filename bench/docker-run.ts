/**
 * Through Docker: `docker run --rm IMG true` one at a time, and N containers
 * started at once, each exiting with its own code, all checked.
 */
import { must, run, type RunResult } from './exec';

export async function dockerRunTrue(runtime: string, image: string): Promise<number> {
  const r = await must(['docker', 'run', '--rm', `--runtime=${runtime}`, image, 'true'], 180_000);
  return r.ms;
}

export interface BurstResult {
  n: number;
  totalMs: number;
  rightCodes: number;
  timedOut: number;
  /** Distinct last stderr lines of the runs that went wrong. */
  errors: string[];
}

/** Starts n `docker run`s at once; container i exits with code i % 100 + 1. */
export async function burst(
  runtime: string,
  image: string,
  n: number,
  timeoutMs: number,
): Promise<BurstResult> {
  const prefix = `dfbench-${process.pid}-${runtime}-${n}`;
  const t0 = Date.now();
  const runs: Promise<RunResult>[] = [];
  for (let i = 0; i < n; i++) {
    const code = (i % 100) + 1;
    runs.push(
      run(
        ['docker', 'run', '--rm', '--name', `${prefix}-${i}`, `--runtime=${runtime}`, image].concat(
          ['sh', '-c', `exit ${code}`],
        ),
        { timeoutMs },
      ),
    );
  }
  const results = await Promise.all(runs);
  const totalMs = Date.now() - t0;
  const timedOut = results.filter((r) => r.timedOut).length;
  if (timedOut > 0) {
    const names = results.map((_, i) => `${prefix}-${i}`);
    await run(['docker', 'rm', '-f', ...names], { timeoutMs: 300_000 });
  }
  const rightCodes = results.filter((r, i) => r.code === (i % 100) + 1).length;
  const errors = results
    .filter((r, i) => r.code !== (i % 100) + 1)
    .map((r) => (r.timedOut ? 'timed out' : r.stderr.trim().split('\n')[0]));
  return { n, totalMs, rightCodes, timedOut, errors: [...new Set(errors)].slice(0, 5) };
}
