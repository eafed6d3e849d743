/**
 * The guest boots every time: a runtime cannot hang one start in six (under
 * TCG some microvm boots used to hang in timer calibration; DESIGN.md §11).
 * Also the Firecracker backend for real, where a `firecracker` binary exists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOnPath } from '../../src/vmm/select';
import { dockFire, makeBundle } from './lib/bundle';
import { RUNTIME, sh } from './lib/docker';

const BOOTS = 20;

describe('boot reliability', () => {
  it(`boots and runs a container ${BOOTS} times in a row without a hang`, () => {
    const bundle = makeBundle(['sh', '-c', 'echo booted']);
    const failures: string[] = [];
    for (let i = 0; i < BOOTS; i++) {
      // A hung boot hits the boot timeout (settings), then run fails and cleans up.
      const r = dockFire(['run', '--bundle', bundle.dir, `boot-${process.pid}-${i}`], {
        timeoutMs: 120_000,
      });
      if (r.status !== 0 || r.stdout !== 'booted\n')
        failures.push(`boot ${i}: ${r.status} ${r.stderr}`);
    }
    assert.deepEqual(failures, []);
  });
});

describe('Firecracker backend', () => {
  const firecracker = findOnPath('firecracker');
  const skip = firecracker
    ? false
    : 'firecracker is not on PATH (not in the package registries ' +
      'reachable here); its config is tested against the API contract in test/unit';

  it('runs a container in a Firecracker microVM', { skip }, () => {
    const bundle = makeBundle(['sh', '-c', 'echo from-firecracker; exit 4']);
    const r = sh([
      'env',
      'DOCK_FIRE_VMM=firecracker',
      RUNTIME,
      '--root',
      '/run/dock-fire-e2e',
      'run',
      '--bundle',
      bundle.dir,
      `fc-${process.pid}`,
    ]);
    assert.equal(r.stdout, 'from-firecracker\n', r.stderr);
    assert.equal(r.status, 4);
  });
});

describe('dock-fire check', () => {
  it('reports the accelerator, the VMM, the kernel and the Docker registration', () => {
    const r = sh([RUNTIME, 'check']);
    assert.equal(r.status, 0, r.stdout);
    for (const what of ['kvm', 'qemu', 'guest', 'backend', 'docker']) {
      assert.match(r.stdout, new RegExp(`^ok\\s+${what}\\s`, 'm'), what);
    }
  });

  it('says what to fix when the kernel is missing', () => {
    const r = sh(['env', 'DOCK_FIRE_KERNEL_PATH=/nonexistent/vmlinux', RUNTIME, 'check']);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /^FIX\s+guest\s+guest kernel \/nonexistent\/vmlinux is missing: run \.\/install\.sh/m,
    );
  });
});
