/**
 * `delete`: removes a stopped container (or any, with --force), then runs
 * the poststop hooks. Deleting an unknown container fails with "does not
 * exist", which Docker treats as done; with --force it succeeds.
 */
import { DockFireError } from '../errors';
import { logger } from '../log/logger';
import { runHooks } from '../oci/hooks';
import { loadSpec } from '../oci/spec';
import { currentStatus, ociState } from '../state/status';
import type { StateStore } from '../state/store';
import { destroy } from './destroy';

export async function deleteContainer(store: StateStore, id: string, force: boolean) {
  if (!store.exists(id)) {
    if (force) return;
    throw new DockFireError(`container ${id} does not exist`);
  }
  await store.locked(id, async () => {
    if (!store.exists(id)) return;
    const state = store.read(id);
    const status = currentStatus(state);
    if (!force && status !== 'stopped' && status !== 'created') {
      throw new DockFireError(
        `cannot delete container ${id} that is ${status}: stop it first or use --force`,
      );
    }
    await destroy(store, state);

    let hooks;
    try {
      hooks = loadSpec(state.bundle).hooks?.poststop;
    } catch {
      hooks = undefined; // The bundle may be gone already; Docker removes it after delete.
    }
    await runHooks('poststop', hooks, ociState(state, 'stopped')).catch((err) =>
      logger().warn({ id, err: String(err) }, 'poststop hook failed'),
    );
  });
}
