/** OCI bundles for tests that drive dock-fire directly, like runc, without Docker. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sh, busyboxRoot, RUNTIME, type Result } from './docker';

export const ROOT = '/run/dock-fire-e2e';

export function dockFire(args: string[], options: { input?: string; timeoutMs?: number } = {}) {
  return sh([RUNTIME, '--root', ROOT, ...args], options);
}

export interface Bundle {
  dir: string;
  config: Record<string, any>;
  save(): void;
}

/** A bundle from `dock-fire spec` with a busybox rootfs; edit config, then save(). */
export function makeBundle(args: string[]): Bundle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bundle-'));
  busyboxRoot(path.join(dir, 'rootfs'));
  for (const applet of ['sleep', 'trap', 'ps']) {
    const link = path.join(dir, 'rootfs', 'bin', applet);
    if (!fs.existsSync(link)) fs.symlinkSync('busybox', link);
  }
  const spec = sh([RUNTIME, 'spec', '--bundle', dir]);
  if (spec.status !== 0) throw new Error(spec.stderr);
  const file = path.join(dir, 'config.json');
  const bundle: Bundle = {
    dir,
    config: JSON.parse(fs.readFileSync(file, 'utf8')),
    save() {
      fs.writeFileSync(file, JSON.stringify(this.config));
    },
  };
  bundle.config.process.args = args;
  bundle.config.root.readonly = false;
  bundle.save();
  return bundle;
}

export function state(id: string): { status: string; pid: number } & Record<string, unknown> {
  const r: Result = dockFire(['state', id]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
