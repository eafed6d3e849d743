/**
 * Mount flags through dockerd, checked against what runc gives: --read-only
 * roots fail writes with EROFS, --tmpfs and --shm-size mount tmpfs of the
 * asked size, options and mode, and a full root drive is ENOSPC inside the guest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureImage, run, runWith, RUNTIME } from './lib/docker';

before(() => ensureImage());

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'df-mount-flags-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

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

  it('a --tmpfs over an existing directory keeps its mode, a new one is 1777, as runc', () => {
    const flags = ['--tmpfs', '/home', '--tmpfs', '/newdir'];
    const command = ['stat', '-c', '%n %A %u:%g', '/home', '/newdir'];
    const ours = run(flags, command);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, '/home drwxr-xr-x 0:0\n/newdir drwxrwxrwt 0:0\n');
    assert.equal(ours.stdout, runWith('runc', flags, command).stdout);
  });

  it("a --tmpfs inside a volume takes the covered directory's mode, not its owner", () => {
    // Each runtime gets its own host directory: a mount point made by one
    // run would be an existing directory for the next.
    const stat = (runtime: string) => {
      const dir = fs.mkdtempSync(path.join(scratch, `${runtime}-`));
      fs.mkdirSync(path.join(dir, 'private'));
      fs.chmodSync(path.join(dir, 'private'), 0o750);
      fs.chownSync(path.join(dir, 'private'), 1000, 1000);
      fs.mkdirSync(path.join(dir, 'setgid'));
      fs.chmodSync(path.join(dir, 'setgid'), 0o2710);
      const tmpfs = ['private', 'setgid:ro', 'new'].flatMap((d) => ['--tmpfs', `/data/${d}`]);
      const targets = ['private', 'setgid', 'new'].map((d) => `/data/${d}`);
      return runWith(
        runtime,
        ['-v', `${dir}:/data`, ...tmpfs],
        ['stat', '-c', '%n %A %u:%g', ...targets],
      );
    };
    const ours = stat(RUNTIME);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(
      ours.stdout,
      '/data/private drwxr-x--- 0:0\n/data/setgid drwx--s--- 0:0\n/data/new drwxrwxrwt 0:0\n',
    );
    assert.equal(ours.stdout, stat('runc').stdout);
  });

  it("a mode= in the --tmpfs options wins over the covered directory's mode", () => {
    // As runc 1.2 does; runc 1.1 chmods the mount to the directory's mode after.
    const r = run(['--tmpfs', '/tmp:mode=0700'], ['stat', '-c', '%A', '/tmp']);
    assert.equal(r.stdout, 'drwx------\n', r.stderr);
  });

  // Docker binds /etc/hosts, /etc/hostname and /etc/resolv.conf under it:
  // their mount points are made before the tmpfs turns read-only (runc too).
  it("a read-only --tmpfs /etc still gets Docker's files, and refuses writes", () => {
    const script = 'grep -c localhost /etc/hosts; touch /etc/x; echo touch=$?';
    const r = run(['--tmpfs', '/etc:ro'], ['sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^[1-9]\d*\ntouch=1\n$/);
    assert.match(r.stderr, /Read-only file system/);
    assert.match(mountOptions(['--tmpfs', '/etc:ro'], '/etc'), /^tmpfs \/etc tmpfs ro,/);
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
