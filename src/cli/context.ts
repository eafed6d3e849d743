/** What every verb shares: the global flags, the state store and the settings. */
import type { Settings } from '../config/settings';
import { DEFAULT_ROOT, StateStore } from '../state/store';

export interface GlobalOptions {
  root?: string;
  log?: string;
  logFormat?: string;
  debug?: boolean;
}

export class Context {
  private cachedSettings?: Settings;

  constructor(readonly global: GlobalOptions) {}

  get store(): StateStore {
    return new StateStore(this.global.root ?? DEFAULT_ROOT);
  }

  get settings(): Settings {
    // Loaded on first use: the settings' schema library costs start-up time
    // that verbs working only on state (state, kill, delete) need not pay.
    const { loadSettings } = require('../config/settings') as typeof import('../config/settings');
    this.cachedSettings ??= loadSettings();
    return this.cachedSettings;
  }

  get debug(): boolean {
    return this.global.debug ?? false;
  }
}
