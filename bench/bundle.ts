/**
 * OCI bundles for driving the runtimes directly (create, start, delete each
 * timed): the test image's files exported from Docker, and runc's default
 * config with the command replaced. runc and dock-fire get the same bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { must } from './exec';

export interface Runtime {
  name: string;
  /** argv prefix: the binary and its --root. */
  argv: string[];
  isRunc: boolean;
}

export function runtimes(dockFireName: string, stateRoot: string): Runtime[] {
  return [
    { name: dockFireName, argv: [dockFireName, '--root', `${stateRoot}/df`], isRunc: false },
    { name: 'runc', argv: ['runc', '--root', `${stateRoot}/runc`], isRunc: true },
  ];
}

/** Exports IMAGE's filesystem into dir/rootfs once. */
export async function exportRootfs(image: string, dir: string): Promise<string> {
  const rootfs = path.join(dir, 'rootfs');
  if (fs.existsSync(path.join(rootfs, 'bin'))) return rootfs;
  fs.mkdirSync(rootfs, { recursive: true });
  const id = (await must(['docker', 'create', image, 'true'])).stdout.trim();
  try {
    await must(['sh', '-c', `docker export ${id} | tar -C ${rootfs} -x`], 300_000);
  } finally {
    await must(['docker', 'rm', id]);
  }
  return rootfs;
}

/** Writes dir/config.json: runc's default spec running args. */
export async function writeBundle(dir: string, args: string[]): Promise<void> {
  const file = path.join(dir, 'config.json');
  fs.rmSync(file, { force: true });
  await must(['runc', 'spec', '--bundle', dir]);
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = args;
  spec.root = { path: 'rootfs', readonly: false };
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
}
