import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkExecutable } from '../../src/rootfs/executable';
import { resolveInRoot } from '../../src/rootfs/resolve';
import { driveMiB } from '../../src/rootfs/drive';

function rootfs(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'df-root-'));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.writeFileSync(path.join(root, 'bin', 'busybox'), '', { mode: 0o755 });
  fs.symlinkSync('busybox', path.join(root, 'bin', 'sh'));
  fs.writeFileSync(path.join(root, 'bin', 'data'), '', { mode: 0o644 });
  fs.symlinkSync('/bin', path.join(root, 'usr-bin-link'));
  return root;
}

describe('resolving paths inside a rootfs', () => {
  it('follows relative and absolute symlinks within the root', () => {
    const root = rootfs();
    assert.equal(resolveInRoot(root, '/bin/sh'), path.join(root, 'bin', 'busybox'));
    assert.equal(resolveInRoot(root, '/usr-bin-link/sh'), path.join(root, 'bin', 'busybox'));
  });

  it('keeps `..` and absolute symlink targets inside the root', () => {
    const root = rootfs();
    fs.symlinkSync('/../../../../etc', path.join(root, 'escape'));
    assert.equal(resolveInRoot(root, '/../../etc'), undefined);
    assert.equal(resolveInRoot(root, '/escape/passwd'), undefined);
  });

  it('gives up on symlink loops', () => {
    const root = rootfs();
    fs.symlinkSync('loop', path.join(root, 'loop'));
    assert.equal(resolveInRoot(root, '/loop'), undefined);
  });
});

describe('finding the executable at create', () => {
  it('finds a command on the container PATH', () => {
    checkExecutable(rootfs(), 'sh', ['PATH=/usr/bin:/bin'], []);
  });

  it('fails like runc with exit code 127 for a missing command', () => {
    assert.throws(
      () => checkExecutable(rootfs(), 'nope', ['PATH=/bin'], []),
      (err: Error & { exitCode: number }) =>
        err.message === 'exec: "nope": executable file not found in $PATH' && err.exitCode === 127,
    );
  });

  it('fails with 126 for a file that is not executable', () => {
    assert.throws(
      () => checkExecutable(rootfs(), '/bin/data', [], []),
      (err: Error & { exitCode: number }) => err.exitCode === 126,
    );
  });

  it('does not check paths that a mount provides', () => {
    checkExecutable(rootfs(), '/opt/tool/run', [], ['/opt/tool']);
  });
});

describe('sizing the root drive', () => {
  it('adds inode room, metadata and the free space to the content', () => {
    const mib = driveMiB({ contentBytes: 100 * 1024 * 1024, inodes: 2048 }, 512);
    assert.ok(mib >= 100 + 512 && mib < 100 * 1.1 + 512 + 32, String(mib));
  });
});
