/** What every verb shares: the global flags, the state store and the settings. */
import { loadSettings, type Settings } from '../config/settings';
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
    this.cachedSettings ??= loadSettings();
    return this.cachedSettings;
  }

  get debug(): boolean {
    return this.global.debug ?? false;
  }
}
