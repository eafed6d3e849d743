/**
 * Tears a container down to nothing: the monitor and the VMM are killed and
 * awaited, then the disk images and the state directory are removed. Used by
 * `delete` and by every failed `create`.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeCgroups } from '../cgroups/placement';
import { disconnectGuest } from '../network/guest-network';
import { childrenOf, isAlive, readProcStat } from '../state/proc';
import type { ContainerState, StateStore } from '../state/store';

const KILL_WAIT_MS = 5_000;

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Gone, or a zombie its parent (the shim) has yet to reap: either way not running. */
function running(pid: number, startTime: number): boolean {
  return isAlive(pid, startTime);
}

export async function killMonitor(state: ContainerState): Promise<void> {
  if (!isAlive(state.pid, state.pidStartTime)) return;

  // The VMM dies with its monitor (PR_SET_PDEATHSIG), but it is killed and
  // awaited here too: the disk image must not be removed under a live VMM.
  const children = childrenOf(state.pid).map((pid) => ({
    pid,
    startTime: readProcStat(pid)?.startTime ?? 0,
  }));
  kill(state.pid);
  for (const child of children) kill(child.pid);

  const deadline = Date.now() + KILL_WAIT_MS;
  const all = [{ pid: state.pid, startTime: state.pidStartTime }, ...children];
  while (all.some((p) => running(p.pid, p.startTime)) && Date.now() < deadline) {
    await sleep(10);
  }
}

export async function destroy(store: StateStore, state: ContainerState): Promise<void> {
  await killMonitor(state);
  await disconnectGuest({ id: state.id, stateDir: store.dir(state.id) }, state.network);
  removeCgroups(state.cgroups ?? []);
  fs.rmSync(state.imageDir, { recursive: true, force: true });
  store.remove(state.id);
}
