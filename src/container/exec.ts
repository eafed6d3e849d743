/**
 * `exec`: runs another process in a running container. The process spec is
 * handed to a new monitor (`--attach`), which holds the process's stdio on the
 * host, asks the container's monitor to start it in the guest, and exits with
 * its exit status; its pid is what the shim waits for.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeProcess } from '../agent/process-spec';
import type { Settings } from '../config/settings';
import { DockFireError, wrap } from '../errors';
import { guestProcessOf } from '../oci/guest-process';
import { ownRlimits, withInherited } from '../oci/rlimits';
import { withHome } from '../rootfs/home';
import type { Process } from '../oci/spec';
import { currentStatus } from '../state/status';
import type { StateStore } from '../state/store';
import { startExecMonitor, type StartedMonitor } from './monitor';

export interface ExecOptions {
  id: string;
  process: Process;
  pidFile?: string;
  consoleSocket?: string;
  /** The monitor's status goes to the shim, not to this process (monitor.ts). */
  detach: boolean;
  debug: boolean;
}

export async function execProcess(
  store: StateStore,
  settings: Settings,
  options: ExecOptions,
): Promise<StartedMonitor> {
  const { id } = options;
  const state = store.read(id);
  const status = currentStatus(state);
  if (status === 'paused') {
    throw new DockFireError(`cannot exec in container ${id}: it is paused; unpause it first`);
  }
  if (status !== 'running') {
    throw new DockFireError(`cannot exec in container ${id}: it is ${status}, not running`);
  }
  if (options.process.terminal && !options.consoleSocket) {
    throw new DockFireError('a terminal (exec -t) needs --console-socket');
  }

  const stateDir = store.dir(id);
  const name = `exec-${crypto.randomBytes(6).toString('hex')}`;
  const specFile = `${name}.spec`;
  const guest = guestProcessOf(options.process);
  guest.env = withHome(guest.env, state.rootfs, guest.uid);
  guest.rlimits = withInherited(guest.rlimits, ownRlimits());
  const spec = encodeProcess(guest);
  fs.writeFileSync(path.join(stateDir, specFile), spec, { mode: 0o600 });

  try {
    const monitor = await startExecMonitor({
      monitorPath: settings.monitorPath,
      stateDir,
      specFile,
      logFile: `${name}.log`,
      consoleSocket: options.consoleSocket,
      timeoutMs: settings.bootTimeoutSeconds * 1000,
      detach: options.detach,
      debug: options.debug,
    });
    if (options.pidFile) {
      const tmp = `${options.pidFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, String(monitor.pid));
      fs.renameSync(tmp, options.pidFile);
    }
    return monitor;
  } catch (err) {
    if (err instanceof DockFireError && err.exitCode !== 1) throw err;
    throw wrap(`exec in container ${id}`, err);
  } finally {
    fs.rmSync(path.join(stateDir, specFile), { force: true });
  }
}
