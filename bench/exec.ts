/**
 * Timed child processes for the benchmark: every run bounded by a timeout,
 * and every child tracked, so that a run stopped by a signal can let them
 * end before it cleans up (cleanup.ts).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';

export interface RunResult {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const MAX_CAPTURE = 1 << 20;

/** Children not yet exited, but cleanups. */
const running = new Set<ChildProcess>();
/** Cleanups under way, which a stop lets finish. */
const undoing = new Set<number>();
/** Set by stopRuns: only cleanups may start commands. */
let stopping = false;

/** spawn, refused once the run is stopping, the child tracked until it exits. */
export function spawnTracked(argv: string[], options: SpawnOptions): ChildProcess {
  if (stopping) throw new Error(`${argv[0]}: not started, the run is stopping`);
  const child = spawn(argv[0], argv.slice(1), options);
  running.add(child);
  child.on('exit', () => running.delete(child));
  child.on('error', () => running.delete(child));
  return child;
}

/** Runs argv, capturing up to 1 MiB of each output, and times it from spawn to exit. */
export function run(
  argv: string[],
  options: {
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    logFd?: number;
    /** Undoing what the run made: allowed while the run is stopping. */
    cleanup?: boolean;
  } = {},
): Promise<RunResult> {
  if (stopping && !options.cleanup) {
    const refused = { code: null, ms: 0, stdout: '', timedOut: false };
    return Promise.resolve({ ...refused, stderr: 'not started, the run is stopping' });
  }
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
    const child = options.cleanup
      ? spawn(argv[0], argv.slice(1), spawnOptions)
      : spawnTracked(argv, spawnOptions);
    const pid = child.pid;
    if (options.cleanup && pid) {
      undoing.add(pid);
      child.on('exit', () => undoing.delete(pid));
    }
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

/** Our children's pids: each thread of ours keeps its own list. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const task of fs.readdirSync('/proc/self/task')) {
    const list = fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
    if (list) pids.push(...list.split(/\s+/).map(Number));
  }
  return pids;
}

/**
 * Stops a run (on a signal): refuses new commands but cleanups, gives those
 * under way up to graceMs to end (a create cut short could leave a container
 * that its delete cannot find yet), then kills every other child left,
 * tracked or not: the in-process rootfs code's mkfs keeps the overlay busy.
 */
export async function stopRuns(graceMs: number): Promise<void> {
  stopping = true;
  const deadline = Date.now() + graceMs;
  while (running.size > 0 && Date.now() < deadline) await sleep(20);
  const left = () => childPids().filter((pid) => !undoing.has(pid));
  for (const pid of left()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  const reaped = Date.now() + 5000;
  while (left().length > 0 && Date.now() < reaped) await sleep(20);
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
