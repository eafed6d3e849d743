/**
 * Failures a user can hit reach them through Docker as one clear line (from
 * log.json) and leave nothing behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  busyboxRoot,
  docker,
  ensureImage,
  importImage,
  run,
  sh,
  withSettings,
  RUNTIME,
} from './lib/docker';
import { makeBundle, ROOT } from './lib/bundle';
import { leftovers, settledLeftovers } from './lib/leftovers';

before(() => ensureImage());

/** Runs a failing `docker run`, checks the message and that nothing is left. */
async function expectFailure(flags: string[], message: RegExp, image?: string) {
  const before = leftovers();
  const r = image
    ? docker(['run', `--runtime=${RUNTIME}`, '--rm', ...flags, image, 'true'])
    : run(flags, ['true']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, message);
  // Docker shows the runtime's message on one line.
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => message.test(l)).length,
    1,
    r.stderr,
  );
  assert.deepEqual(await settledLeftovers(before), before);
}

describe('errors through Docker', () => {
  it('a missing guest kernel says which file and what to run', async () => {
    await withSettings({ kernelPath: '/nonexistent/vmlinux' }, () =>
      expectFailure([], /guest kernel \/nonexistent\/vmlinux is missing: run \.\/install\.sh/),
    );
  });

  it('a missing VMM says what to install', async () => {
    await withSettings({ vmm: 'qemu', qemuPath: '/nonexistent/qemu-system-x86_64' }, () =>
      expectFailure([], /no VMM found: .* apt-get install qemu-system-x86/),
    );
  });

  // With the rootfs cache, diskMiB sizes only the writable layer over the
  // image's base; without it, the whole drive holding a copy of the image.
  it('a rootfs too large for a fixed root drive (no cache) says how large it must be', async () => {
    const dir = busyboxRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'df-big-')));
    fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(40 * 1024 * 1024, 1));
    importImage('dock-fire-test-big:latest', dir, ['ENV PATH=/bin']);
    try {
      await withSettings({ diskMiB: 20, rootfsCacheMiB: 0 }, () =>
        expectFailure(
          [],
          /root filesystem needs \d+ MiB but the root drive is set to 20 MiB/,
          'dock-fire-test-big:latest',
        ),
      );
    } finally {
      docker(['rmi', 'dock-fire-test-big:latest']);
    }
  });

  it('--network host is refused: a VM has its own network stack', async () => {
    await expectFailure(['--network', 'host'], /--network host is not supported/);
  });

  it('--device is refused rather than silently ignored', async () => {
    await expectFailure(
      ['--device', '/dev/null:/dev/extra'],
      /host devices .* cannot be passed into a microVM/,
    );
  });

  it('--privileged is refused in one line', async () => {
    await expectFailure(['--privileged'], /--privileged is not supported/);
  });

  it('more guest RAM than the host has is refused at create, in one line', async () => {
    const mib = Math.ceil((os.totalmem() * 4) / 1024 / 1024);
    await expectFailure(['--memory', `${mib}m`], /is more than this host's \d+ MiB of memory/);
  });

  // QEMU fails some setups (guest RAM, devices) after it has started, often
  // after create returned: the shim then refused start without asking.
  it("a VMM that fails after it started shows its own reason, not a later step's", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-vmm-'));
    const vmm = path.join(dir, 'qemu-system-x86_64');
    const reason = 'qemu-system-x86_64: cannot set up guest memory: Cannot allocate memory';
    fs.writeFileSync(vmm, `#!/bin/sh\nsleep 0.5\necho "${reason}" >&2\nexit 1\n`, {
      mode: 0o755,
    });
    try {
      await withSettings({ vmm: 'qemu', qemuPath: vmm }, () =>
        expectFailure([], /the VM failed: qemu-system-x86_64: cannot set up guest memory/),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a too small --memory says the minimum', async () => {
    await expectFailure(['--memory', '64m'], /too small for a microVM: it needs at least 144m/);
  });
});

describe('errors without Docker', () => {
  it('no usable KVM says how to fall back to TCG', async () => {
    const bundle = makeBundle(['true']);
    const before = leftovers();
    // A private mount namespace where /dev/kvm is not the KVM device.
    const r = sh([
      'unshare',
      '-m',
      'sh',
      '-c',
      `mount --bind /dev/null /dev/kvm && DOCK_FIRE_QEMU_ACCEL=kvm DOCK_FIRE_VMM=qemu ` +
        `dock-fire --root ${ROOT} run --bundle ${bundle.dir} no-kvm-${process.pid}`,
    ]);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /\/dev\/kvm is not the KVM device: enable KVM on this host, or set "qemuAccel": "tcg"/,
    );
    assert.deepEqual(await settledLeftovers(before), before);
  });
});
