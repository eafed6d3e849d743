import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkBindTargets, guestMounts, splitOptions } from '../../src/oci/guest-mounts';
import { guestProcess, guestProcessOf } from '../../src/oci/guest-process';
import { refuseUnsupported } from '../../src/oci/unsupported';
import { defaultSpec } from '../../src/oci/default-spec';
import type { Spec } from '../../src/oci/spec';

function spec(overrides: Record<string, unknown> = {}): Spec {
  return { ...(defaultSpec() as unknown as Spec), ...overrides };
}

describe('unsupported config.json settings', () => {
  it('accepts the default spec', () => {
    refuseUnsupported(spec());
  });

  it('refuses --network host with a reason that names the flag', () => {
    const s = spec();
    s.linux = { ...s.linux, namespaces: s.linux!.namespaces!.filter((n) => n.type !== 'network') };
    assert.throws(() => refuseUnsupported(s), /--network host is not supported/);
  });

  it('refuses joining another namespace by path', () => {
    const s = spec();
    s.linux = {
      ...s.linux,
      namespaces: [
        ...s.linux!.namespaces!.filter((n) => n.type !== 'network'),
        { type: 'network', path: '/proc/1/ns/net' },
      ],
    };
    assert.throws(
      () => refuseUnsupported(s),
      /joining another network namespace .*--network container:NAME/,
    );
  });

  it('refuses host devices', () => {
    assert.throws(
      () =>
        refuseUnsupported(spec({ linux: { ...spec().linux, devices: [{ path: '/dev/fuse' }] } })),
      /--device \/dev\/fuse/,
    );
  });
});

describe('guest mounts', () => {
  it('splits mount options into MS_ flags and filesystem data', () => {
    assert.deepEqual(splitOptions(['nosuid', 'noexec', 'mode=755', 'ro', 'size=64k']), {
      flags: 1 | 2 | 8,
      data: 'mode=755,size=64k',
    });
  });

  it('serves every single-file bind from one file volume, bound from it by index', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-'));
    const hosts = path.join(dir, 'hosts');
    const conf = path.join(dir, 'app.conf');
    fs.writeFileSync(hosts, '127.0.0.1 localhost\n');
    fs.writeFileSync(conf, 'x'.repeat(100_000));
    const { mounts, volumes } = guestMounts([
      { destination: '/etc/hosts', type: 'bind', source: hosts, options: ['rbind', 'rprivate'] },
      { destination: '/data', type: 'bind', source: dir, options: ['rbind'] },
      { destination: '/app.conf', type: 'bind', source: conf, options: ['rbind', 'ro', 'nosuid'] },
    ]);
    assert.deepEqual(volumes, [
      {
        kind: 'files',
        index: 0,
        files: [
          { source: hosts, readonly: false },
          { source: conf, readonly: true },
        ],
      },
      { kind: 'directory', index: 1, source: dir, readonly: false },
    ]);
    assert.deepEqual(
      mounts.map((m) => [m.source, m.target, m.fstype, m.flags]),
      [
        ['dock-fire.vol.0/0', '/etc/hosts', '9p', 4096],
        ['dock-fire.vol.1', '/data', '9p', 0],
        ['dock-fire.vol.0/1', '/app.conf', '9p', 4096 | 1 | 2],
      ],
    );
    assert.match(mounts[0].data, /^version=9p2000\.L,msize=65536,access=client,cache=mmap$/);
  });

  it('serves a host directory as a numbered 9p volume, read-only when asked', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-'));
    const { mounts, volumes } = guestMounts([
      { destination: '/data', type: 'bind', source: dir, options: ['rbind', 'rprivate'] },
      { destination: '/ro', type: 'bind', source: dir, options: ['rbind', 'ro', 'nosuid'] },
    ]);
    assert.deepEqual(volumes, [
      { kind: 'directory', index: 0, source: dir, readonly: false },
      { kind: 'directory', index: 1, source: dir, readonly: true },
    ]);
    assert.equal(mounts[0].fstype, '9p');
    assert.equal(mounts[0].source, 'dock-fire.vol.0');
    assert.equal(mounts[0].flags, 0);
    assert.match(mounts[0].data, /^version=9p2000\.L,msize=65536,access=client/);
    assert.equal(mounts[1].source, 'dock-fire.vol.1');
    assert.equal(mounts[1].flags, 1 | 2);
  });

  it('refuses more directory volumes than the guest has channels for', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-'));
    const many = Array.from({ length: 17 }, (_, i) => ({
      destination: `/v${i}`,
      type: 'bind',
      source: dir,
    }));
    assert.throws(() => guestMounts(many), /at most 16 directory volumes/);
  });

  it("turns Docker's /dev/shm bind into a guest tmpfs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-'));
    const { mounts } = guestMounts([{ destination: '/dev/shm', type: 'bind', source: dir }]);
    assert.equal(mounts[0].fstype, 'tmpfs');
    assert.match(mounts[0].data, /size=\d+/);
  });

  it('refuses filesystems the guest cannot mount', () => {
    assert.throws(() => guestMounts([{ destination: '/x', type: 'nfs', source: 'h:/x' }]), /nfs/);
  });
});

describe('guest process', () => {
  it('maps capabilities and rlimits to numbers', () => {
    const p = guestProcess(spec());
    assert.equal(p.caps!.bounding, (1n << 29n) | (1n << 5n) | (1n << 10n));
    assert.deepEqual(p.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
    assert.equal(p.mounts.find((m) => m.target === '/sys/fs/cgroup')!.fstype, 'cgroup2');
  });

  it('passes sysctls to the guest and refuses malformed names', () => {
    const s = spec({ linux: { ...spec().linux, sysctl: { 'net.ipv4.ping_group_range': '0 1' } } });
    assert.deepEqual(guestProcess(s).sysctls, ['net.ipv4.ping_group_range=0 1']);
    const bad = spec({ linux: { ...spec().linux, sysctl: { '../../etc': 'x' } } });
    assert.throws(() => guestProcess(bad), /invalid sysctl name/);
  });

  it("gives an exec only process records, never the container's mounts or files", () => {
    const p = guestProcessOf({ ...spec().process!, terminal: true });
    assert.equal(p.terminal, true);
    assert.deepEqual([p.mounts, p.files, p.maskedPaths, p.sysctls], [[], [], [], []]);
    assert.equal(p.hostname, undefined);
  });

  it('refuses an empty process.args', () => {
    const s = spec();
    s.process = { ...s.process!, args: [] };
    assert.throws(() => guestProcess(s), /nothing to run/);
  });
});

describe('bind mount targets in the image', () => {
  it('refuses a directory onto a file and a file onto a directory, naming the host path', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'df-bind-targets-'));
    try {
      const root = path.join(top, 'rootfs');
      fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
      fs.mkdirSync(path.join(root, 'bin'));
      fs.writeFileSync(path.join(root, 'etc', 'passwd'), '');
      fs.symlinkSync('passwd', path.join(root, 'etc', 'link'));
      const dir = path.join(top, 'dir');
      const file = path.join(top, 'file');
      fs.mkdirSync(dir);
      fs.writeFileSync(file, '');
      const bind = (source: string, destination: string) => [
        { destination, type: 'bind', source, options: ['rbind'] },
      ];
      assert.throws(
        () => checkBindTargets(root, bind(dir, '/etc/passwd')),
        new RegExp(
          `bind mount of ${dir} at /etc/passwd: the source is a directory but /etc/passwd in the image is a file`,
        ),
      );
      assert.throws(() => checkBindTargets(root, bind(file, '/bin')), /source is a file but \/bin/);
      for (const [source, target] of [
        [dir, '/bin'],
        [file, '/etc/passwd'],
        [dir, '/new'],
        [dir, '/etc/link'],
      ]) {
        checkBindTargets(root, bind(source, target));
      }
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
