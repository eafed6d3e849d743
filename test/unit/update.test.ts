import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { updateContainer } from '../../src/container/update';
import { readProcStat } from '../../src/state/proc';
import { StateStore, type ContainerState } from '../../src/state/store';

const MIB = 1024 * 1024;

/** A "running" container whose monitor is this test process, with a fake v1 cgroup. */
function running(extra: Partial<ContainerState> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-update-'));
  const store = new StateStore(path.join(dir, 'state'));
  store.createDir('c1');
  store.write({
    runtime: 'dock-fire',
    ociVersion: '1.0.2',
    id: 'c1',
    bundle: dir,
    rootfs: dir,
    pid: process.pid,
    pidStartTime: readProcStat(process.pid)?.startTime ?? 0,
    status: 'running',
    created: new Date().toISOString(),
    annotations: {},
    vmm: 'qemu',
    imageDir: dir,
    cgroupsPath: '/docker/c1',
    vcpus: 2,
    memoryMiB: 176,
    ...extra,
  });
  const mountinfo = path.join(dir, 'mountinfo');
  const lines = ['cpu', 'memory', 'pids'].map((c, i) => {
    fs.mkdirSync(path.join(dir, c, 'docker', 'c1'), { recursive: true });
    return `${30 + i} 1 0:${40 + i} / ${path.join(dir, c)} rw - cgroup cgroup rw,${c}`;
  });
  fs.writeFileSync(mountinfo, lines.join('\n') + '\n');
  for (const f of ['cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares']) {
    fs.writeFileSync(path.join(dir, 'cpu', 'docker', 'c1', f), '');
  }
  const memory = (f: string) => path.join(dir, 'memory', 'docker', 'c1', f);
  fs.writeFileSync(memory('memory.limit_in_bytes'), '');
  fs.writeFileSync(path.join(dir, 'pids', 'docker', 'c1', 'pids.max'), '');
  const read = (c: string, f: string) =>
    fs.readFileSync(path.join(dir, c, 'docker', 'c1', f), 'utf8');
  return { store, mountinfo, read };
}

describe('update', () => {
  it('writes new CPU limits the VM can take into the cgroup', async () => {
    const c = running();
    const r = { cpu: { quota: 150000, period: 100000, shares: 512 }, memory: { limit: 256 * MIB } };
    await updateContainer(c.store, 'c1', r, c.mountinfo);
    assert.equal(c.read('cpu', 'cpu.cfs_quota_us'), '150000');
    assert.equal(c.read('cpu', 'cpu.shares'), '512');
    assert.equal(c.read('memory', 'memory.limit_in_bytes'), String(256 * MIB));
  });

  it('refuses more CPUs than the VM has vCPUs, writing nothing', async () => {
    const c = running();
    const r = { cpu: { quota: 300000, period: 100000, shares: 512 } };
    await assert.rejects(
      updateContainer(c.store, 'c1', r, c.mountinfo),
      /--cpus 3 needs 3 vCPUs but the VM has 2, fixed when the container was created/,
    );
    assert.equal(c.read('cpu', 'cpu.shares'), '');
  });

  it('refuses a memory limit that needs other guest RAM', async () => {
    const c = running();
    await assert.rejects(
      updateContainer(c.store, 'c1', { memory: { limit: 512 * MIB } }, c.mountinfo),
      /--memory 512m would need a VM with other RAM than its 176 MiB/,
    );
    await assert.rejects(
      updateContainer(c.store, 'c1', { memory: { limit: 64 * MIB } }, c.mountinfo),
      /too small for a microVM/,
    );
  });

  it('lets the host limit move when an annotation fixed guest RAM, not below what it needs', async () => {
    const c = running({ annotations: { 'dock-fire.memory-mib': '160' } });
    await updateContainer(c.store, 'c1', { memory: { limit: 1024 * MIB } }, c.mountinfo);
    assert.equal(c.read('memory', 'memory.limit_in_bytes'), String(1024 * MIB));
    await assert.rejects(
      updateContainer(c.store, 'c1', { memory: { limit: 200 * MIB } }, c.mountinfo),
      /would need a VM with other RAM/,
    );
  });

  it('refuses a new --pids-limit (the guest keeps it) but takes the same one again', async () => {
    const c = running({ pidsLimit: 100 });
    await updateContainer(c.store, 'c1', { pids: { limit: 100 } }, c.mountinfo);
    assert.equal(c.read('pids', 'pids.max'), '128');
    await assert.rejects(
      updateContainer(c.store, 'c1', { pids: { limit: 200 } }, c.mountinfo),
      /--pids-limit is kept by the guest kernel and fixed when the container was created/,
    );
    const none = running();
    await updateContainer(none.store, 'c1', { pids: { limit: -1 } }, none.mountinfo);
  });

  it('refuses a stopped container', async () => {
    const c = running({ pid: 999999999 });
    await assert.rejects(updateContainer(c.store, 'c1', {}, c.mountinfo), /that is stopped/);
  });
});
