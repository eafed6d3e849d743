/**
 * Mount flags through dockerd, checked against what runc gives: --read-only
 * roots fail writes with EROFS, --tmpfs and --shm-size mount tmpfs of the
 * asked size and options, and a full root drive is ENOSPC inside the guest.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureImage, run } from './lib/docker';

before(() => ensureImage());

/** The options of the mount at target, from the guest's /proc/mounts. */
function mountOptions(flags: string[], target: string): string {
  const r = run(flags, ['sh', '-c', `grep ' ${target} ' /proc/mounts`]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('--read-only', () => {
  it('makes writes to the root fail with EROFS', () => {
    const r = run(['--read-only'], ['sh', '-c', 'touch /x']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Read-only file system/);
    assert.match(mountOptions(['--read-only'], '/'), /\bro\b/);
  });

  it('still lets the container write to --tmpfs and /dev/shm', () => {
    const flags = ['--read-only', '--tmpfs', '/run'];
    const r = run(flags, ['sh', '-c', 'touch /run/x /dev/shm/y && echo ok']);
    assert.equal(r.stdout, 'ok\n', r.stderr);
  });
});

describe('--tmpfs and --shm-size', () => {
  it('mounts --tmpfs with the options Docker asks for, as runc does', () => {
    const opts = mountOptions(['--tmpfs', '/run:rw,noexec,nosuid,size=1m'], '/run');
    assert.match(opts, /^tmpfs \/run tmpfs rw,nosuid,(nodev,)?noexec,.*size=1024k/);
  });

  it('gives ENOSPC past a --tmpfs size', () => {
    const r = run(['--tmpfs', '/run:size=1m'], ['dd', 'if=/dev/zero', 'of=/run/f', 'bs=64k']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /No space left on device/);
  });

  it('sizes /dev/shm from --shm-size', () => {
    const opts = mountOptions(['--shm-size', '32m'], '/dev/shm');
    assert.match(opts, /^shm \/dev\/shm tmpfs rw,nosuid,nodev,noexec,.*size=32768k/);
  });
});

describe('root drive', () => {
  it('a full root drive gives ENOSPC in the guest and the container goes on', () => {
    const fill = 'dd if=/dev/zero of=/fill bs=1M 2>&1; rm /fill; echo still here';
    const r = run([], ['sh', '-c', fill]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /No space left on device/);
    assert.match(r.stdout, /still here\n$/);
  });
});
