/** Timed child processes for the benchmark: every run bounded by a timeout. */
import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

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
    // A command that cannot start (ENOENT, EACCES) says so where its stderr would be.
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
}

/** Lines that point at a command's --help, which say nothing of what went wrong. */
const USAGE_NOISE = /^(See|Run) '.*--help'|^Usage:/;

/** What went wrong, in one line: the first line of stderr that is not usage noise. */
export function reason(r: RunResult): string {
  if (r.timedOut) return 'timed out';
  const line = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !USAGE_NOISE.test(l));
  const text = line ?? `exit ${r.code}`;
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** Like run, but throws with the command's stderr when it fails. */
export async function must(argv: string[], timeoutMs?: number): Promise<RunResult> {
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${reason(r)}`);
  return r;
}

/**
 * A runtime's create, its output appended to logFile instead of pipes (it
 * hands its stdio to the container: with pipes the run would last as long
 * as the container). Throws with what this create wrote there if it fails.
 */
export async function mustCreate(argv: string[], logFile: string): Promise<RunResult> {
  const fd = fs.openSync(logFile, 'a');
  try {
    const offset = fs.fstatSync(fd).size;
    const r = await run(argv, { logFd: fd, timeoutMs: 120_000 });
    if (r.code === 0) return r;
    const written = fs.readFileSync(logFile, 'utf8').slice(offset);
    throw new Error(`${argv.join(' ')}: ${reason({ ...r, stderr: r.stderr + written })}`);
  } finally {
    fs.closeSync(fd);
  }
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
