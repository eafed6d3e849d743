/**
 * `start`: hands the process spec made at `create` to the monitor, which
 * passes it to the guest as soon as the guest has booted; the reply is the
 * guest's STARTED (or why the process could not start). Then poststart hooks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkReply, ErrorReply, request } from '../agent/control';
import { FrameType, MAX_PAYLOAD, PROTOCOL_VERSION, STREAM_CONTAINER } from '../agent/frame';
import type { Settings } from '../config/settings';
import { DockFireError, wrap } from '../errors';
import { logger } from '../log/logger';
import { runHooks } from '../oci/hooks';
import { loadSpec, type Spec } from '../oci/spec';
import { waitGone } from '../state/proc';
import { currentStatus, ociState } from '../state/status';
import type { ContainerState, StateStore } from '../state/store';
import { encodeNetwork } from '../agent/network-spec';
import { encodeFile } from '../agent/process-spec';
import { dnsRelayFor } from '../network/dns-relay';
import { connectGuest } from '../network/guest-network';
import { tapName } from '../network/names';
import { PROCESS_SPEC_FILE } from './create';
import { CONSOLE_LOG } from './monitor';
import { killMonitor } from './destroy';
import { vmFailureReason } from './vm-failure';

/**
 * Links the guest to the container's namespace and returns the records that
 * tell the guest its network: none for loopback only.
 */
async function connectNetwork(
  store: StateStore,
  state: ContainerState,
  settings: Settings,
  bundleSpec: Spec,
): Promise<Buffer> {
  const { id } = state;
  const owner = { id, stateDir: store.dir(id), pid: state.pid };
  // Relay only to the server the monitor was started with (create.ts).
  const named = dnsRelayFor(bundleSpec);
  const dnsRelay = named !== undefined && named === state.dnsRelay ? named : undefined;
  const network = await connectGuest(owner, settings, dnsRelay, (mode) => {
    state.network = { mode, tap: tapName(id) };
    store.write(state);
  }).catch((err) => {
    throw wrap("connecting the guest's network", err);
  });
  state.network = network.state;
  store.write(state);

  const records: Buffer[] = [];
  if (network.guest) records.push(encodeNetwork(network.guest));
  const hasResolvConf = bundleSpec.mounts?.some((m) => m.destination === '/etc/resolv.conf');
  if (network.resolvConf && !hasResolvConf) {
    const content = Buffer.from(network.resolvConf);
    records.push(encodeFile({ mode: 0o644, uid: 0, gid: 0, target: '/etc/resolv.conf', content }));
  }
  return Buffer.concat(records);
}

/** How long a failed start waits for the monitor to exit (it takes ~50 ms). */
const MONITOR_EXIT_WAIT_MS = 3000;

export async function startContainer(store: StateStore, settings: Settings, id: string) {
  await store.locked(id, async () => {
    const state = store.read(id);
    const status = currentStatus(state);
    if (status === 'stopped' && state.status === 'created') {
      // The monitor is gone (killed from outside) before anything started.
      throw new DockFireError(
        `cannot start container ${id}: its monitor and VM ended before it started ` +
          `(see ${path.join(store.dir(id), CONSOLE_LOG)}); delete it and create it again`,
      );
    }
    if (status !== 'created') {
      throw new DockFireError(`cannot start container ${id}: it is ${status}, not created`);
    }
    const stateDir = store.dir(id);
    const processSpec = fs.readFileSync(path.join(stateDir, PROCESS_SPEC_FILE));

    const bundleSpec = loadSpec(state.bundle);

    const deadline = Date.now() + settings.bootTimeoutSeconds * 1000;
    const left = () => Math.max(1, deadline - Date.now());
    try {
      // The guest has booted: the VMM, with its TAP device, is fully up.
      const hello = Buffer.alloc(4);
      hello.writeUInt32LE(PROTOCOL_VERSION, 0);
      checkReply(await request(stateDir, FrameType.Hello, STREAM_CONTAINER, hello, left()));
      const network = await connectNetwork(store, state, settings, bundleSpec);
      const spec = Buffer.concat([processSpec, network]);
      if (spec.length > MAX_PAYLOAD) {
        throw new DockFireError(
          `the process spec is ${spec.length} bytes, over the ${MAX_PAYLOAD}-byte limit ` +
            '(too many or too large environment variables)',
        );
      }
      checkReply(await request(stateDir, FrameType.Start, STREAM_CONTAINER, spec, left()));
    } catch (err) {
      // A failed start leaves a stopped container, as with runc. Docker
      // deletes the task as soon as start fails, and containerd refuses while
      // the task is still `created`: the VM, its state and drive would stay.
      // After the guest's own ERROR the monitor ends the VM and exits with the
      // status to report; after a failure on this side it is ended here.
      if (err instanceof ErrorReply) {
        await waitGone(state.pid, state.pidStartTime, MONITOR_EXIT_WAIT_MS);
      }
      await killMonitor(state);
      const consoleLog = path.join(stateDir, CONSOLE_LOG);
      if (err instanceof DockFireError && /did not answer/.test(err.message)) {
        throw new DockFireError(
          `the guest did not start the process within ${settings.bootTimeoutSeconds} s ` +
            `(raise bootTimeoutSeconds, or check KVM with \`dock-fire check\`; ` +
            `guest console: ${consoleLog})`,
        );
      }
      const vmGone = /VM ended before|monitor closed the connection/.test(String(err));
      const reason = vmGone ? vmFailureReason(stateDir) : undefined;
      if (reason) {
        throw new DockFireError(`starting container ${id}: the VM failed: ${reason}`, {
          exitCode: (err as DockFireError).exitCode,
        });
      }
      throw wrap(`starting container ${id}`, err);
    }

    state.status = 'running';
    store.write(state);
    logger().debug({ id }, 'container started');

    await runHooks('poststart', bundleSpec.hooks?.poststart, ociState(state, 'running')).catch(
      (err) => logger().warn({ id, err: String(err) }, 'poststart hook failed'),
    );
  });
}
