/**
 * `update --resources`: new limits for a live container (`docker update`).
 * The host side of the VM lives in a cgroup whose limits can change at once;
 * the VM's vCPUs and RAM were fixed when it booted (no hotplug), so a change
 * that needs another VM size is refused with one line, and nothing is
 * written: the update applies whole or not at all.
 */
import { DockFireError, wrap } from '../errors';
import { logger } from '../log/logger';
import { updateLimits } from '../cgroups/placement';
import { parseResources, type Resources } from '../cgroups/resources';
import { currentStatus } from '../state/status';
import type { ContainerState, StateStore } from '../state/store';
import { guestMemoryForLimit, vmmOverheadMiB } from './vm-size';

const MIB = 1024 * 1024;

function checkCpus(state: ContainerState, r: Resources): void {
  const { quota, period } = r.cpu ?? {};
  if (!quota || quota <= 0 || !period || state.vcpus === undefined) return;
  const needed = Math.ceil(quota / period);
  if (needed > state.vcpus) {
    throw new DockFireError(
      `--cpus ${quota / period} needs ${needed} vCPUs but the VM has ${state.vcpus}, ` +
        'fixed when the container was created: recreate the container to give it more',
    );
  }
}

function checkMemory(state: ContainerState, r: Resources): void {
  const limit = r.memory?.limit;
  if (!limit || limit < 0 || state.memoryMiB === undefined) return;
  const limitMiB = Math.floor(limit / MIB);
  const guestFixed = state.annotations['dock-fire.memory-mib'] !== undefined;
  if (guestFixed && limitMiB >= state.memoryMiB + vmmOverheadMiB(state.vmm)) return;
  if (!guestFixed && guestMemoryForLimit(limit, state.vmm) === state.memoryMiB) return;
  throw new DockFireError(
    `--memory ${limitMiB}m would need a VM with other RAM than its ${state.memoryMiB} MiB, ` +
      'fixed when the container was created: recreate the container to change it',
  );
}

/** A pids limit as the guest keeps it: 0 for none. */
function pidsLimit(limit: number | null | undefined): number {
  return limit && limit > 0 ? limit : 0;
}

/** The guest's pids cgroup is set once, at start: there is no channel to change it. */
function checkPids(state: ContainerState, r: Resources): void {
  if (r.pids === undefined || r.pids.limit === undefined) return;
  if (pidsLimit(r.pids.limit) === pidsLimit(state.pidsLimit)) return;
  throw new DockFireError(
    '--pids-limit is kept by the guest kernel and fixed when the container was created: ' +
      'recreate the container to change it',
  );
}

/** mountinfo names the cgroup mounts to use (tests give a fake tree). */
export async function updateContainer(
  store: StateStore,
  id: string,
  raw: unknown,
  mountinfo?: string,
) {
  await store.locked(id, async () => {
    const state = store.read(id);
    const status = currentStatus(state);
    if (status === 'stopped' || status === 'creating') {
      throw new DockFireError(`cannot update container ${id} that is ${status}`);
    }
    const resources = parseResources(raw, 'update --resources');
    checkCpus(state, resources);
    checkMemory(state, resources);
    checkPids(state, resources);
    if (!state.cgroupsPath) {
      throw new DockFireError(
        `container ${id} has no cgroup (config.json sets no linux.cgroupsPath): ` +
          'there are no limits to update',
      );
    }
    try {
      updateLimits(state.cgroupsPath, resources, mountinfo);
    } catch (err) {
      throw wrap(`updating container ${id}`, err);
    }
    logger().debug({ id, resources }, 'limits updated');
  });
}
