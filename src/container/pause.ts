/**
 * `pause` and `resume` freeze and thaw the whole VM: QEMU's QMP stop/cont,
 * or Firecracker's PATCH /vm. Every process of the container stops at once,
 * as the cgroup freezer would do under runc.
 */
import fs from 'node:fs';
import { DockFireError, wrap } from '../errors';
import { currentStatus } from '../state/status';
import type { StateStore } from '../state/store';
import { firecrackerRequest } from '../vmm/firecracker-api';
import { API_SOCKET } from '../vmm/firecracker';
import { QMP_SOCKET } from '../vmm/qemu';
import { qmpCommand } from '../vmm/qmp';

async function setPaused(stateDir: string, vmm: 'qemu' | 'firecracker', paused: boolean) {
  // Reached through the directory fd: the state path can exceed a socket address.
  const dirFd = fs.openSync(stateDir, 'r');
  const base = `/proc/self/fd/${dirFd}`;
  try {
    if (vmm === 'qemu') {
      await qmpCommand(`${base}/${QMP_SOCKET}`, paused ? 'stop' : 'cont');
    } else {
      await firecrackerRequest(`${base}/${API_SOCKET}`, 'PATCH', '/vm', {
        state: paused ? 'Paused' : 'Resumed',
      });
    }
  } finally {
    fs.closeSync(dirFd);
  }
}

export async function pauseContainer(store: StateStore, id: string, pause: boolean) {
  await store.locked(id, async () => {
    const state = store.read(id);
    const status = currentStatus(state);
    const from = pause ? 'running' : 'paused';
    if (status !== from) {
      throw new DockFireError(`container ${id} is ${status}, not ${from}`);
    }
    try {
      await setPaused(store.dir(id), state.vmm, pause);
    } catch (err) {
      throw wrap(`${pause ? 'pausing' : 'resuming'} container ${id}`, err);
    }
    state.status = pause ? 'paused' : 'running';
    store.write(state);
  });
}
