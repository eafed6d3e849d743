/**
 * `kill`: delivers a signal to the container's process in the guest through
 * the monitor. Before `start` the container has no process: the monitor
 * itself gets the signal, which ends the VM.
 */
import { checkReply, request } from '../agent/control';
import { FrameType, STREAM_CONTAINER, signalPayload } from '../agent/frame';
import { DockFireError } from '../errors';
import { SIGNALS } from '../oci/linux-constants';
import { currentStatus } from '../state/status';
import type { StateStore } from '../state/store';

const KILL_TIMEOUT_MS = 10_000;

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = text.toUpperCase().replace(/^SIG/, '');
    if (name in SIGNALS) return SIGNALS[name];
    const rt = /^RTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new DockFireError(`invalid signal "${text}"`);
}

export async function killContainer(store: StateStore, id: string, signal: number, all: boolean) {
  const state = store.read(id);
  const status = currentStatus(state);
  if (status === 'stopped' || status === 'creating') {
    throw new DockFireError(`container ${id} is not running (container not running)`);
  }
  if (status === 'created') {
    try {
      process.kill(state.pid, signal);
    } catch {
      throw new DockFireError(`container ${id}: no such process`);
    }
    return;
  }

  const reply = await request(
    store.dir(id),
    FrameType.Signal,
    STREAM_CONTAINER,
    signalPayload(signal, all),
    KILL_TIMEOUT_MS,
  ).catch(() => {
    // The monitor ended between the status check and the request.
    throw new DockFireError(`container ${id} is not running (container not running)`);
  });
  checkReply(reply);
}
