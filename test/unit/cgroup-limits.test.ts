import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sharesToWeight, v1Writes, v2Writes, HOST_MIN_TASKS } from '../../src/cgroups/limits';
import { prepareCgroups, removeCgroups } from '../../src/cgroups/placement';
import { parseResources } from '../../src/cgroups/resources';
import { encodeProcess, encodeRecord, SpecTag } from '../../src/agent/process-spec';
import { defaultSpec } from '../../src/oci/default-spec';
import { guestProcess } from '../../src/oci/guest-process';
import type { Spec } from '../../src/oci/spec';

const MIB = 1024 * 1024;
const asMap = (writes: { file: string; value: string }[]) =>
  Object.fromEntries(writes.map((w) => [w.file, w.value]));

/** A fake cgroup tree: files are plain files, so writes can be read back. */
function fakeTree(v2: boolean, v1 = ['cpu,cpuacct', 'cpuset', 'memory', 'pids', 'blkio']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cgtree-'));
  const mountinfo = path.join(dir, 'mountinfo');
  const mounts = v2 ? ['unified'] : v1;
  const lines = mounts.map((m, i) => {
    const point = path.join(dir, m);
    fs.mkdirSync(point);
    const type = v2 ? 'cgroup2 cgroup2 rw' : `cgroup cgroup rw,${m}`;
    return `${30 + i} 1 0:${40 + i} / ${point} rw,relatime - ${type}`;
  });
  fs.writeFileSync(mountinfo, lines.join('\n') + '\n');
  const at = (m: string, ...p: string[]) => path.join(dir, m, ...p);
  const touch = (file: string, content = '') => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };
  const read = (m: string, ...p: string[]) => fs.readFileSync(at(m, ...p), 'utf8');
  if (mounts.includes('cpuset')) {
    // New v1 cpuset cgroups take their cpus and mems from the parent.
    for (const p of ['', 'docker']) {
      touch(at('cpuset', p, 'cpuset.cpus'), '0-1\n');
      touch(at('cpuset', p, 'cpuset.mems'), '0\n');
    }
  }
  return { dir, mountinfo, at, touch, read };
}

describe('cgroup limits', () => {
  const docker = parseResources(
    {
      memory: { limit: 256 * MIB, reservation: 128 * MIB, swap: 512 * MIB, swappiness: null },
      cpu: { shares: 512, quota: 150000, period: 100000, cpus: '0-1', mems: '' },
      pids: { limit: 500 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      devices: [{ allow: false, access: 'rwm' }],
    },
    'test',
  );

  it('writes on cgroup v1 what runc writes for docker run --memory --cpus --cpuset-cpus', () => {
    assert.deepEqual(asMap(v1Writes(docker)), {
      'memory.limit_in_bytes': String(256 * MIB),
      'memory.memsw.limit_in_bytes': String(512 * MIB),
      'memory.soft_limit_in_bytes': String(128 * MIB),
      'cpu.shares': '512',
      'cpu.cfs_period_us': '100000',
      'cpu.cfs_quota_us': '150000',
      'cpuset.cpus': '0-1',
      'pids.max': '500',
      'blkio.weight': '300',
      'blkio.throttle.read_bps_device': '8:0 1048576',
    });
  });

  it('converts to cgroup v2 files the way runc does', () => {
    assert.deepEqual(asMap(v2Writes(docker)), {
      'memory.max': String(256 * MIB),
      'memory.swap.max': String(256 * MIB),
      'memory.low': String(128 * MIB),
      'cpu.weight': String(sharesToWeight(512)),
      'cpu.max': '150000 100000',
      'cpuset.cpus': '0-1',
      'pids.max': '500',
      'io.bfq.weight': '300',
      'io.max': '8:0 rbps=1048576',
    });
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(262144), 10000);
    const unlimited = parseResources({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 } }, 't');
    assert.deepEqual(asMap(v2Writes(unlimited)), {
      'memory.max': 'max',
      'memory.swap.max': 'max',
      'pids.max': 'max',
    });
  });

  it('never lets --pids-limit starve the VMM of its own threads', () => {
    const r = parseResources({ pids: { limit: 5 } }, 'test');
    assert.equal(asMap(v1Writes(r))['pids.max'], String(HOST_MIN_TASKS));
  });

  it('leaves out what Docker sends as zero (not set)', () => {
    const r = parseResources({ cpu: { shares: 0, quota: 0, period: 0 }, memory: {} }, 'test');
    assert.deepEqual(v1Writes(r), []);
    assert.deepEqual(v2Writes(r), []);
  });

  it('refuses what a VM cannot honour and bad values, naming the field', () => {
    assert.throws(
      () => parseResources({ cpu: { realtimeRuntime: 950000 } }, 'config.json'),
      /--cpu-rt-runtime.* not supported/,
    );
    assert.throws(
      () => parseResources({ cpu: { cpus: '0-1; rm -rf' } }, 'config.json'),
      /invalid config.json: resources.cpu.cpus: must be a list/,
    );
    assert.throws(
      () => parseResources({ memory: { limit: 'lots' } }, 'config.json'),
      /resources.memory.limit/,
    );
    assert.throws(() => v1Writes({ unified: { 'memory.high': '1' } }), /need a cgroup v2 host/);
    assert.throws(() => v2Writes({ unified: { '../memory.max': '1' } }), /invalid unified/);
  });
});

describe('cgroup placement with limits', () => {
  it('creates the v1 cgroups, inherits cpuset, writes limits, and delete removes them', () => {
    const t = fakeTree(false);
    // A real cgroupfs fills a new directory with its files; the fake one is
    // made ahead with them, so here the leaf exists already.
    for (const f of ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us']) {
      t.touch(t.at('cpu,cpuacct', 'docker', 'c1', f));
    }
    for (const f of ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']) {
      t.touch(t.at('memory', 'docker', 'c1', f), '9223372036854771712\n');
    }
    t.touch(t.at('cpuset', 'docker', 'c1', 'cpuset.cpus'));
    t.touch(t.at('cpuset', 'docker', 'c1', 'cpuset.mems'));
    fs.mkdirSync(t.at('pids', 'docker', 'c1'), { recursive: true });
    fs.mkdirSync(t.at('blkio', 'docker', 'c1'), { recursive: true });

    const resources = parseResources(
      { memory: { limit: 256 * MIB, swap: 512 * MIB }, cpu: { quota: 50000, period: 100000 } },
      'test',
    );
    const placement = prepareCgroups('/docker/c1', resources, t.mountinfo);
    assert.equal(t.read('memory', 'docker', 'c1', 'memory.limit_in_bytes'), String(256 * MIB));
    assert.equal(t.read('cpu,cpuacct', 'docker', 'c1', 'cpu.cfs_quota_us'), '50000');
    assert.equal(t.read('cpuset', 'docker', 'c1', 'cpuset.mems'), '0\n');
    assert.equal(placement.procsFiles.length, 5);
    assert.deepEqual(placement.created, []);

    // A new pids cgroup is created here and is the only one delete removes.
    const fresh = prepareCgroups('/docker/c2', {}, t.mountinfo);
    assert.deepEqual(
      fresh.created.map((d) => path.relative(t.dir, d)),
      [
        'cpu,cpuacct/docker/c2',
        'cpuset/docker/c2',
        'memory/docker/c2',
        'pids/docker/c2',
        'blkio/docker/c2',
      ],
    );
    fs.rmSync(t.at('cpuset', 'docker', 'c2', 'cpuset.cpus'));
    fs.rmSync(t.at('cpuset', 'docker', 'c2', 'cpuset.mems'));
    removeCgroups(fresh.created);
    assert.ok(!fs.existsSync(t.at('memory', 'docker', 'c2')));
    assert.ok(fs.existsSync(t.at('memory', 'docker')));
  });

  it('undoes a create whose limit cannot be written, leaving no directory', () => {
    const t = fakeTree(false, ['memory', 'pids']);
    const resources = parseResources({ pids: { limit: 1000 } }, 'test');
    assert.throws(
      () => prepareCgroups('/docker/c3', resources, t.mountinfo),
      /cgroup \/docker\/c3: pids.max is not available/,
    );
    assert.ok(!fs.existsSync(t.at('pids', 'docker', 'c3')));
    assert.ok(!fs.existsSync(t.at('memory', 'docker', 'c3')));
  });

  it('enables v2 controllers down a systemd path and writes v2 limits', () => {
    const t = fakeTree(true);
    t.touch(t.at('unified', 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
    t.touch(t.at('unified', 'cgroup.subtree_control'), 'memory\n');
    t.touch(t.at('unified', 'system.slice', 'cgroup.subtree_control'));
    const leaf = ['system.slice', 'docker-c4.scope'];
    for (const f of ['memory.max', 'memory.swap.max', 'cpu.max', 'pids.max']) {
      t.touch(t.at('unified', ...leaf, f));
    }
    const resources = parseResources(
      { memory: { limit: 256 * MIB, swap: 256 * MIB }, cpu: { quota: 200000, period: 100000 } },
      'test',
    );
    const placement = prepareCgroups('system.slice:docker:c4', resources, t.mountinfo);
    assert.deepEqual(placement.procsFiles, [t.at('unified', ...leaf, 'cgroup.procs')]);
    assert.equal(t.read('unified', 'cgroup.subtree_control'), '+cpu +cpuset +io +pids');
    assert.equal(
      t.read('unified', 'system.slice', 'cgroup.subtree_control'),
      '+cpu +cpuset +io +memory +pids',
    );
    assert.equal(t.read('unified', ...leaf, 'memory.max'), String(256 * MIB));
    assert.equal(t.read('unified', ...leaf, 'memory.swap.max'), '0');
    assert.equal(t.read('unified', ...leaf, 'cpu.max'), '200000 100000');
  });
});

describe('pids limit in the guest', () => {
  it('sends --pids-limit to the guest as a PIDS_LIMIT record, and no record for -1', () => {
    const base = defaultSpec() as unknown as Spec;
    const withLimit = (limit: number) =>
      ({ ...base, linux: { ...base.linux, resources: { pids: { limit } } } }) as Spec;
    const value = Buffer.alloc(8);
    value.writeBigUInt64LE(100n);
    const record = encodeRecord(SpecTag.PidsLimit, value);
    assert.equal(guestProcess(withLimit(100)).pidsLimit, 100);
    assert.ok(encodeProcess(guestProcess(withLimit(100))).includes(record));
    const none = encodeProcess(guestProcess({ ...base, linux: { ...base.linux, resources: {} } }));
    assert.deepEqual(encodeProcess(guestProcess(withLimit(-1))), none);
  });
});
