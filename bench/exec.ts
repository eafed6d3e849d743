/** Timed child processes for the benchmark: every run bounded by a timeout. */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const MAX_CAPTURE = 1 << 20;

/** Runs argv, capturing up to 1 MiB of each output, and times it from spawn to exit. */
export function run(
  argv: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; logFd?: number } = {},
): Promise<RunResult> {
  // A runtime's create hands its stdio to the container: with a log fd
  // instead of pipes, the run ends when the command does, not the container.
  const out = options.logFd ?? 'pipe';
  const spawnOptions: SpawnOptions = {
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    cwd: options.cwd,
  };
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), spawnOptions);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (b: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += b.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      resolve({ code, ms, stdout, stderr, timedOut });
    };
    child.on('error', (err) => {
      stderr += String(err);
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

/** Like run, but throws with the command's stderr when it fails. */
export async function must(argv: string[], timeoutMs?: number): Promise<RunResult> {
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0) {
    const why = r.timedOut ? 'timed out' : r.stderr.trim().split('\n').pop();
    throw new Error(`${argv.join(' ')}: ${why || `exit ${r.code}`}`);
  }
  return r;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (outside any timed region) until a pid is gone; false on timeout. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(5);
  }
  return false;
}
