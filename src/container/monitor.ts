/**
 * Starts the container's monitor (native/monitor): the long-lived host
 * process whose pid is the container pid. It inherits the container's stdio
 * (fds 0-2 from the shim), enters a new network namespace, starts the VMM
 * and reports on a pipe (fd 3) that it is ready or why it is not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DockFireError } from '../errors';
import { CONTROL_SOCKET } from '../agent/control';

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
  debug: boolean;
}

export interface StartedMonitor {
  child: ChildProcess;
  pid: number;
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
  for (const file of options.cgroupProcs) args.push('--cgroup-procs', file);
  if (options.debug) args.push('--debug');
  args.push('--', ...options.vmmArgv);

  // Relative socket paths keep unix socket addresses short: the monitor and
  // the VMM run with the state directory as their working directory.
  const child = spawn(options.monitorPath, args, {
    cwd: options.stateDir,
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const ready = child.stdio[3];
  if (!ready || child.pid === undefined) {
    throw new DockFireError(`starting ${options.monitorPath} failed`);
  }
  const pid = child.pid;

  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      reject(
        new DockFireError(`the monitor did not become ready within ${READY_TIMEOUT_MS / 1000} s`),
      );
    }, READY_TIMEOUT_MS);
    ready.on('data', (chunk: Buffer) => {
      if (text.length < MAX_READY_LINE) text += chunk.toString('utf8');
    });
    ready.on('end', () => {
      clearTimeout(timer);
      resolve(text.split('\n')[0]);
    });
    ready.on('error', (err) => {
      clearTimeout(timer);
      reject(new DockFireError(`reading the monitor's ready pipe: ${err.message}`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DockFireError(`starting the monitor ${options.monitorPath}: ${err.message}`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });

  ready.destroy();
  if (line === 'OK') return { child, pid };
  child.kill('SIGKILL');
  const reason = line.startsWith('ERR ')
    ? line.slice(4)
    : `the monitor exited (${line || 'no reason given'})`;
  throw new DockFireError(reason);
}
