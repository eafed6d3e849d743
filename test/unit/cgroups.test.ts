import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cgroupRelativePath, hierarchies } from '../../src/cgroups/placement';

describe('cgroup placement', () => {
  it('takes cgroupfs paths as they are', () => {
    assert.equal(cgroupRelativePath('/docker/abc'), '/docker/abc');
  });

  it('expands systemd slice:prefix:name paths', () => {
    assert.equal(cgroupRelativePath('system.slice:docker:abc'), '/system.slice/docker-abc.scope');
    assert.equal(
      cgroupRelativePath('user-1000.slice:docker:abc'),
      '/user.slice/user-1000.slice/docker-abc.scope',
    );
  });

  it('refuses a path that climbs out of the hierarchy', () => {
    assert.throws(() => cgroupRelativePath('/docker/../../etc'), /invalid cgroupsPath/);
  });

  it('uses the v1 hierarchies of a hybrid host and the v2 one of a unified host', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cg-'));
    const hybrid = path.join(dir, 'hybrid');
    fs.writeFileSync(
      hybrid,
      [
        '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
        '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      ].join('\n'),
    );
    assert.deepEqual(
      hierarchies(hybrid).map((h) => [h.mountPoint, h.cpuset]),
      [
        ['/sys/fs/cgroup/cpu', false],
        ['/sys/fs/cgroup/cpuset', true],
      ],
    );
    const unified = path.join(dir, 'unified');
    fs.writeFileSync(unified, '29 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n');
    assert.deepEqual(
      hierarchies(unified).map((h) => h.v2),
      [true],
    );
  });
});
