/**
 * OCI bundles for driving the runtimes directly (create, start, delete each
 * timed): the test image's files exported from Docker, and runc's default
 * config with the command replaced. runc and dock-fire get the same bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { registerDocker } from './cleanup';
import { must, reason, run } from './exec';
import { cached, IMAGE_CACHE } from './scratch';

export interface Runtime {
  name: string;
  /** argv prefix: the binary and its --root. */
  argv: string[];
  isRunc: boolean;
}

/** dock-fire by its name in Docker and the binary that runs it (checks.ts), and runc. */
export function runtimes(dockFire: string, binary: string, stateRoot: string): Runtime[] {
  return [
    { name: dockFire, argv: [binary, '--root', `${stateRoot}/df`], isRunc: false },
    { name: 'runc', argv: ['runc', '--root', `${stateRoot}/runc`], isRunc: true },
  ];
}

export const DEFAULT_IMAGE = 'dock-fire-test:latest';

/** IMAGE's ID. The bench never pulls: a missing image is an error that says how to make it. */
export async function imageId(image: string): Promise<string> {
  const r = await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image]);
  if (r.code === 0) return r.stdout.trim();
  if (!/no such image/i.test(r.stderr))
    throw new Error(`docker image inspect ${image}: ${reason(r)}`);
  const how =
    image === DEFAULT_IMAGE
      ? `build it with scripts/make-image.sh ${DEFAULT_IMAGE}`
      : 'the bench never pulls: build or load it first';
  throw new Error(`image ${image} is not in Docker (${how})`);
}

/** The files of the image with this ID, exported once into the cache (scratch.ts). */
export function exportImage(id: string): Promise<string> {
  return cached(path.join(IMAGE_CACHE, id.replace(/^sha256:/, '')), async (dir) => {
    const name = `dfbench-${process.pid}-export`;
    const release = registerDocker([name]);
    try {
      await must(['docker', 'create', '--pull=never', '--name', name, id, 'true']);
      // pipefail: a failed export must fail the build, not cache what tar got.
      const pipe = `docker export ${name} | tar -C ${dir} -x`;
      await must(['bash', '-o', 'pipefail', '-c', pipe], 300_000);
    } finally {
      await release();
    }
  });
}

/** Writes dir/config.json: runc's default spec running args on the rootfs at rootfs. */
export async function writeBundle(dir: string, rootfs: string, args: string[]): Promise<void> {
  const file = path.join(dir, 'config.json');
  fs.rmSync(file, { force: true });
  await must(['runc', 'spec', '--bundle', dir]);
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = args;
  spec.root = { path: rootfs, readonly: false };
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
}
