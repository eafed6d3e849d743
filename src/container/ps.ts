/**
 * `ps`: the host processes of a container. The container's own processes
 * live in the guest kernel, invisible to the host; what the host runs for it
 * is the monitor and the VMM. `docker top` shows those (docs/limitations.md).
 */
import { DockFireError } from '../errors';
import { childrenOf } from '../state/proc';
import { currentStatus } from '../state/status';
import type { StateStore } from '../state/store';

export function containerPids(store: StateStore, id: string): number[] {
  const state = store.read(id);
  if (currentStatus(state) === 'stopped') {
    throw new DockFireError(`container ${id} is not running`);
  }
  return [state.pid, ...childrenOf(state.pid)];
}
