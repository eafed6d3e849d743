/**
 * Runs the network tools (`ip`, `tc`, `iptables`, `sysctl`), in the runtime's
 * own network namespace or, through nsenter, in a container's. Each failure
 * says which command failed and what the tool printed.
 */
import { execFile } from 'node:child_process';
import { DockFireError } from '../errors';

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 4 * 1024 * 1024;

export interface CommandOptions {
  /** Runs the tool inside the network namespace of this pid. */
  netnsPid?: number;
  /** Text for the tool's stdin (`tc -batch -`, `ip -batch -`). */
  input?: string;
}

function withNetns(argv: string[], pid?: number): string[] {
  return pid === undefined ? argv : ['nsenter', `--net=/proc/${pid}/ns/net`, '--', ...argv];
}

/** Runs argv and returns its stdout; throws a DockFireError naming the command. */
export function run(argv: string[], options: CommandOptions = {}): Promise<string> {
  const full = withNetns(argv, options.netnsPid);
  return new Promise((resolve, reject) => {
    const child = execFile(
      full[0],
      full.slice(1),
      { timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const said = (stderr || err.message).trim().split('\n').slice(-1)[0];
        reject(new DockFireError(`${argv.slice(0, 3).join(' ')} failed: ${said}`));
      },
    );
    // A tool that exits without reading its stdin (it failed early, or
    // takes no input) makes this write fail with EPIPE; its exit status and
    // stderr, reported above, say what happened.
    child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(new DockFireError(`writing to ${argv[0]}: ${err.message}`));
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** Like run, but a failure is reported as false (for removals of what may be gone). */
export async function tryRun(argv: string[], options: CommandOptions = {}): Promise<boolean> {
  try {
    await run(argv, options);
    return true;
  } catch {
    return false;
  }
}
