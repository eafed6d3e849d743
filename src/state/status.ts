/**
 * The truthful status of a container: what state.json recorded, corrected by
 * whether its monitor still lives. A monitor that died (killed from outside,
 * or exited with the container) means `stopped`, whatever the file says.
 */
import { isAlive } from './proc';
import type { ContainerState, Status } from './store';

export function currentStatus(state: ContainerState): Status {
  if (state.status === 'stopped' || state.status === 'creating') return state.status;
  return isAlive(state.pid, state.pidStartTime) ? state.status : 'stopped';
}

/** The OCI state document (runtime-spec runtime.md, "State"). */
export function ociState(state: ContainerState, status: Status = currentStatus(state)) {
  return {
    ociVersion: state.ociVersion,
    id: state.id,
    status,
    pid: status === 'stopped' ? 0 : state.pid,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    annotations: state.annotations,
  };
}
