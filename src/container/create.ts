/**
 * `create`: everything up to the point where the container's process would
 * start. The root drive is built, the monitor starts the VM (which boots and
 * waits), the createRuntime and prestart hooks run with the state on stdin
 * (Docker's network hook among them), and the pid file is written. The user
 * process itself only starts at `start`. A failure leaves nothing behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeProcess } from '../agent/process-spec';
import type { Settings } from '../config/settings';
import { DockFireError, errnoCode, wrap } from '../errors';
import { logger } from '../log/logger';
import { runHooks } from '../oci/hooks';
import { checkBindTargets } from '../oci/guest-mounts';
import { guestProcess } from '../oci/guest-process';
import { ownRlimits, withInherited } from '../oci/rlimits';
import { loadSpec, rootPath } from '../oci/spec';
import { refuseUnsupported } from '../oci/unsupported';
import { prepareCgroups } from '../cgroups/placement';
import { parseResources } from '../cgroups/resources';
import { checkExecutable } from '../rootfs/executable';
import { withHome } from '../rootfs/home';
import { prepareRootDrives } from '../rootfs/prepare';
import { isAlive, readProcStat } from '../state/proc';
import { ociState } from '../state/status';
import type { ContainerState, StateStore } from '../state/store';
import { monitorDnsRelay } from '../network/dns-relay';
import { tapName } from '../network/names';
import { checkBootFiles, selectBackend } from '../vmm/select';
import { destroy } from './destroy';
import { startMonitor, type StartedMonitor } from './monitor';
import { writeOwner } from './image-dirs';
import { vmFailureReason } from './vm-failure';
import { vmSize } from './vm-size';

export const PROCESS_SPEC_FILE = 'process.spec';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  /** Where to send the terminal's master when process.terminal is set. */
  consoleSocket?: string;
  /** The monitor's status goes to the shim, not to this process (monitor.ts). */
  detach: boolean;
  debug: boolean;
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Makes the container's image directory, which must be new: another
 * container of this id (under another --root) would otherwise have its
 * drives overwritten and, at its delete, removed.
 */
function claimImageDir(imageDir: string, id: string, undo: () => void): void {
  try {
    fs.mkdirSync(path.dirname(imageDir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(imageDir, { mode: 0o700 });
  } catch (err) {
    undo();
    if (errnoCode(err) !== 'EEXIST') throw wrap(`creating container ${id}`, err);
    throw new DockFireError(
      `creating container ${id}: ${imageDir} exists: a container of this id exists under ` +
        'another --root (delete it there), or one was lost in a crash (remove the directory)',
    );
  }
}

export async function createContainer(
  store: StateStore,
  settings: Settings,
  options: CreateOptions,
): Promise<StartedMonitor> {
  const { id } = options;
  const bundle = path.resolve(options.bundle);
  const spec = loadSpec(bundle);
  const rootfs = rootPath(spec, bundle);

  refuseUnsupported(spec);
  checkBindTargets(rootfs, spec.mounts ?? []);
  if (spec.process?.terminal && !options.consoleSocket) {
    throw new DockFireError('process.terminal is set but no --console-socket was given');
  }
  const guest = guestProcess(spec);
  guest.env = withHome(guest.env, rootfs, guest.uid);
  guest.rlimits = withInherited(guest.rlimits, ownRlimits());
  checkExecutable(
    rootfs,
    guest.args[0],
    guest.env,
    guest.mounts.map((m) => m.target),
  );
  checkBootFiles(settings);
  const backend = selectBackend(settings);
  const resources = parseResources(spec.linux?.resources, `${bundle}/config.json`);
  const size = vmSize(spec, settings, backend.name, resources);

  const stateDir = store.createDir(id);
  const imageDir = path.join(settings.imageDir, id);
  claimImageDir(imageDir, id, () => fs.rmSync(stateDir, { recursive: true, force: true }));
  writeOwner(imageDir, stateDir);
  const state: ContainerState = {
    runtime: 'dock-fire',
    ociVersion: spec.ociVersion,
    id,
    bundle,
    rootfs,
    pid: 0,
    pidStartTime: 0,
    status: 'creating',
    created: new Date().toISOString(),
    annotations: spec.annotations ?? {},
    vmm: backend.name,
    imageDir,
    dnsRelay: monitorDnsRelay(spec),
    vcpus: size.vcpus,
    memoryMiB: size.memoryMiB,
    pidsLimit: guest.pidsLimit,
    cgroupsPath: spec.linux?.cgroupsPath,
  };
  store.write(state);

  try {
    const processSpec = encodeProcess(guest);
    fs.writeFileSync(path.join(stateDir, PROCESS_SPEC_FILE), processSpec, { mode: 0o600 });

    const drives = await prepareRootDrives({
      id,
      rootfs,
      containerDir: imageDir,
      imageDir: settings.imageDir,
      freeMiB: settings.diskFreeMiB,
      fixedMiB: size.diskMiB ?? (settings.diskMiB || undefined),
      cacheMiB: settings.rootfsCacheMiB,
    });

    const plan = backend.plan({
      stateDir,
      kernelPath: settings.kernelPath,
      initrdPath: settings.initrdPath,
      drivePath: drives.image.path,
      driveReadonly: drives.image.readonly,
      layerPath: drives.layer,
      vcpus: size.vcpus,
      memoryMiB: size.memoryMiB,
      kernelArgs: settings.kernelArgs,
      tapName: tapName(id),
      volumes: guest.volumes.length,
    });
    for (const file of plan.files) {
      fs.writeFileSync(path.join(stateDir, file.name), file.content, { mode: 0o600 });
    }

    const cgroups = prepareCgroups(spec.linux?.cgroupsPath, resources);
    state.cgroups = cgroups.created;
    store.write(state);

    const monitor = await startMonitor({
      monitorPath: settings.monitorPath,
      stateDir,
      agentSocket: plan.agentSocket,
      vmmArgv: plan.argv,
      newNetns: true,
      cgroupProcs: cgroups.procsFiles,
      volumes: guest.volumes.map((v) => ({ ...v, socket: plan.volumeSockets[v.index] })),
      consoleSocket: spec.process?.terminal ? options.consoleSocket : undefined,
      dnsRelay: state.dnsRelay,
      detach: options.detach,
      debug: options.debug,
    });
    state.pid = monitor.pid;
    state.pidStartTime = readProcStat(monitor.pid)?.startTime ?? 0;
    state.status = 'created';
    store.write(state);
    logger().debug({ id, pid: monitor.pid, vmm: backend.name }, 'monitor started');

    const hookState = ociState(state, 'created');
    await runHooks('createRuntime', spec.hooks?.createRuntime, hookState);
    // runc runs prestart hooks during create, once the namespaces exist:
    // Docker's network hook configures the netns of this pid.
    await runHooks('prestart', spec.hooks?.prestart, hookState);

    if (options.pidFile) writeAtomically(path.resolve(options.pidFile), String(monitor.pid));
    return monitor;
  } catch (err) {
    // A VMM that dies at once (no memory, a bad kernel) makes later steps such
    // as Docker's network hook fail; the VM's own reason is the one to show.
    const vmDied = state.pid > 0 && !isAlive(state.pid, state.pidStartTime);
    const reason = vmDied ? vmFailureReason(stateDir) : undefined;
    await destroy(store, state).catch((cleanupErr) =>
      logger().warn({ id, err: String(cleanupErr) }, 'cleanup after a failed create'),
    );
    if (reason) throw new DockFireError(`creating container ${id}: the VM failed: ${reason}`);
    throw wrap(`creating container ${id}`, err);
  }
}
