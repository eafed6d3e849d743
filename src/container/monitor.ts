/**
 * Starts monitors (native/monitor): the long-lived host processes whose pids
 * the shim waits for. The container's monitor inherits the container's stdio
 * (fds 0-2 from the shim), enters a new network namespace and starts the VMM;
 * an exec's monitor (`--attach`) joins the container's monitor and runs one
 * more process in the guest. Both report on a pipe (fd 3) that they are ready,
 * or why not.
 *
 * A monitor whose pid goes to the shim runs detached (`--detach`): Node reaps
 * every child it spawned that exits, so a monitor that is this process's child
 * and ends before this process does (an exec of `true`) would give its exit
 * status to us, and the shim would wait for it forever. A detached monitor is
 * a grandchild, adopted by the shim (a subreaper), and tells its pid first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { DockFireError } from '../errors';
import { CONTROL_SOCKET } from '../agent/control';
import type { HostVolume } from '../oci/guest-mounts';

export const CONSOLE_LOG = 'console.log';
export const MONITOR_LOG = 'monitor.log';
const READY_TIMEOUT_MS = 15_000;
const MAX_READY_LINE = 4096;

export interface MonitorOptions {
  monitorPath: string;
  stateDir: string;
  agentSocket: string;
  vmmArgv: string[];
  newNetns: boolean;
  cgroupProcs: string[];
  /** Host directories and files to serve, each volume on its socket (relative to stateDir). */
  volumes: (HostVolume & { socket: string })[];
  consoleSocket?: string;
  /** Run as a grandchild whose status only the shim reaps (module comment). */
  detach: boolean;
  /**
   * IPv4 of the resolver the monitor asks for the guest's DNS queries
   * (`--dns-relay`): Docker's 127.0.0.11 in the container's netns.
   */
  dnsRelay?: string;
  debug: boolean;
}

export interface ExecMonitorOptions {
  monitorPath: string;
  stateDir: string;
  /** Spec file and log file names, relative to stateDir. */
  specFile: string;
  logFile: string;
  consoleSocket?: string;
  /** How long to wait for the process to start (the guest may be busy). */
  timeoutMs: number;
  /** Run as a grandchild whose status only the shim reaps (module comment). */
  detach: boolean;
  debug: boolean;
}

export interface StartedMonitor {
  pid: number;
  /**
   * The monitor's exit status, when it is this process's own child (not
   * detached); this process then stays until the monitor ends.
   */
  exited?: Promise<number>;
}

/** The ready pipe's lines: "PID <n>" of a detached monitor, then the answer. */
interface ReadyReply {
  pid?: number;
  line: string;
}

function readReady(
  child: ChildProcess,
  what: string,
  timeoutMs: number,
  reply: ReadyReply,
): Promise<void> {
  const ready = child.stdio[3];
  if (!ready) return Promise.reject(new DockFireError(`starting the ${what} failed`));
  return new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      reject(new DockFireError(`the ${what} did not become ready within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const take = () => {
      const lines = text.split('\n');
      const pid = /^PID ([1-9]\d{0,9})$/.exec(lines[0]);
      if (pid && lines.length > 1) {
        reply.pid = Number(pid[1]);
        lines.shift();
      }
      reply.line = lines[0];
    };
    ready.on('data', (chunk: Buffer) => {
      if (text.length < MAX_READY_LINE) text += chunk.toString('utf8');
      take();
    });
    ready.on('end', () => {
      clearTimeout(timer);
      take();
      resolve();
    });
    ready.on('error', (err) => {
      clearTimeout(timer);
      reject(new DockFireError(`reading the ${what}'s ready pipe: ${err.message}`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DockFireError(`starting the ${what}: ${err.message}`));
    });
  }).finally(() => ready.destroy());
}

function exitStatus(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Spawns a monitor and waits for its ready line. Relative socket paths keep
 * unix socket addresses short: monitors and the VMM run in the state directory.
 */
async function spawnMonitor(
  monitorPath: string,
  args: string[],
  stateDir: string,
  what: string,
  timeoutMs: number,
  detach: boolean,
): Promise<{ monitor: StartedMonitor; line: string }> {
  const child = spawn(monitorPath, detach ? ['--detach', ...args] : args, {
    cwd: stateDir,
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  if (child.pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new DockFireError(`starting the ${what} ${monitorPath} failed`);
  }
  const exited = detach ? undefined : exitStatus(child);
  const reply: ReadyReply = { line: '' };
  const pid = () => (detach ? reply.pid : child.pid);
  try {
    await readReady(child, what, timeoutMs, reply);
  } catch (err) {
    killQuietly(pid());
    throw err;
  }
  const monitorPid = pid();
  if (monitorPid === undefined) {
    // The first process failed before it could detach: its answer says why.
    return { monitor: { pid: 0 }, line: reply.line };
  }
  if (detach) child.unref();
  return { monitor: { pid: monitorPid, exited }, line: reply.line };
}

export async function startMonitor(options: MonitorOptions): Promise<StartedMonitor> {
  const args = [
    '--dir',
    '.',
    '--control',
    CONTROL_SOCKET,
    '--agent',
    options.agentSocket,
    '--console-log',
    CONSOLE_LOG,
    '--log',
    MONITOR_LOG,
    '--ready-fd',
    '3',
  ];
  if (options.newNetns) args.push('--netns');
  if (options.dnsRelay !== undefined) args.push('--dns-relay', options.dnsRelay);
  for (const file of options.cgroupProcs) args.push('--cgroup-procs', file);
  const mode = (readonly: boolean) => (readonly ? 'ro' : 'rw');
  for (const v of options.volumes) {
    if (v.kind === 'directory') {
      args.push('--volume', `${mode(v.readonly)}:${v.socket}:${v.source}`);
      continue;
    }
    args.push('--file-volume', v.socket);
    for (const f of v.files) args.push('--volume-file', `${mode(f.readonly)}:${f.source}`);
  }
  if (options.consoleSocket) args.push('--console-socket', options.consoleSocket);
  if (options.debug) args.push('--debug');
  args.push('--', ...options.vmmArgv);

  const { monitor, line } = await spawnMonitor(
    options.monitorPath,
    args,
    options.stateDir,
    'monitor',
    READY_TIMEOUT_MS,
    options.detach,
  );
  if (line === 'OK') return monitor;
  killQuietly(monitor.pid || undefined);
  throw new DockFireError(
    line.startsWith('ERR ') ? line.slice(4) : `the monitor exited (${line || 'no reason given'})`,
  );
}

/** Starts an exec's monitor; resolves once the process runs in the guest. */
export async function startExecMonitor(options: ExecMonitorOptions): Promise<StartedMonitor> {
  const args = [
    '--attach',
    CONTROL_SOCKET,
    '--spec',
    options.specFile,
    '--log',
    options.logFile,
    '--ready-fd',
    '3',
  ];
  if (options.consoleSocket) args.push('--console-socket', options.consoleSocket);
  if (options.debug) args.push('--debug');

  const { monitor, line } = await spawnMonitor(
    options.monitorPath,
    args,
    options.stateDir,
    'exec monitor',
    options.timeoutMs,
    options.detach,
  );
  if (line === 'OK') return monitor;
  killQuietly(monitor.pid || undefined);
  // "ERR <exit code> <message>": the code is what runc would exit with (126, 127).
  const match = /^ERR (\d+) (.*)$/.exec(line);
  if (match) throw new DockFireError(match[2], { exitCode: Number(match[1]) });
  throw new DockFireError(`the exec monitor exited (${line || 'no reason given'})`);
}
