import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { vmSize } from '../../src/container/vm-size';
import { parseSignal } from '../../src/container/kill';
import { defaultSpec } from '../../src/oci/default-spec';
import type { Spec } from '../../src/oci/spec';

function configFile(content: object): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'df-cfg-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('settings', () => {
  it('refuses a NAT pool it cannot carve /30s from, when the settings load', () => {
    for (const pool of ['garbage', '10.0.0.1/16', '10.0.0.0/31', '0.0.0.0/0', '127.0.0.0/24']) {
      const file = configFile({ natPool: pool });
      assert.throws(
        () => loadSettings({ DOCK_FIRE_CONFIG: file }),
        /invalid setting natPool/,
        pool,
      );
    }
    assert.equal(
      loadSettings({ DOCK_FIRE_CONFIG: configFile({ natPool: '10.9.0.0/24' }) }).natPool,
      '10.9.0.0/24',
    );
  });

  it('uses defaults when there is no config file', () => {
    const s = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent/config.json' });
    assert.equal(s.vmm, 'auto');
    assert.equal(s.qemuAccel, 'kvm');
    assert.equal(s.memoryMiB, 128);
  });

  it('lets environment variables override the config file', () => {
    const file = configFile({ qemuAccel: 'kvm', vcpus: 2 });
    const s = loadSettings({ DOCK_FIRE_CONFIG: file, DOCK_FIRE_QEMU_ACCEL: 'tcg' });
    assert.equal(s.qemuAccel, 'tcg');
    assert.equal(s.vcpus, 2);
  });

  it('names the bad setting and where it came from', () => {
    const file = configFile({ qemuAccel: 'hvf' });
    assert.throws(() => loadSettings({ DOCK_FIRE_CONFIG: file }), /invalid setting qemuAccel/);
    assert.throws(() => loadSettings({ DOCK_FIRE_CONFIG: configFile({ typo: 1 }) }), /typo/);
  });
});

describe('VM size', () => {
  const settings = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent' });
  const base = defaultSpec() as unknown as Spec;

  it('sizes vCPUs from --cpus and RAM from --memory minus the VMM overhead', () => {
    const spec = {
      ...base,
      linux: {
        ...base.linux,
        resources: {
          cpu: { quota: 150000, period: 100000 },
          memory: { limit: 512 * 1024 * 1024 },
        },
      },
    };
    assert.deepEqual(vmSize(spec, settings), { vcpus: 2, memoryMiB: 432, diskMiB: undefined });
    assert.equal(vmSize(spec, settings, 'firecracker').memoryMiB, 480);
  });

  it('lets annotations win', () => {
    const spec = {
      ...base,
      annotations: { 'dock-fire.vcpus': '4', 'dock-fire.memory-mib': '1024' },
    };
    assert.equal(vmSize(spec, settings).vcpus, 4);
    assert.equal(vmSize(spec, settings).memoryMiB, 1024);
  });

  it('refuses a memory limit too small to boot, saying the minimum', () => {
    const spec = {
      ...base,
      linux: { ...base.linux, resources: { memory: { limit: 64 * 1024 * 1024 } } },
    };
    assert.throws(() => vmSize(spec, settings), /too small for a microVM: it needs at least 144m/);
  });
});

describe('signals', () => {
  it('accepts names with and without SIG and numbers', () => {
    assert.deepEqual(
      ['TERM', 'SIGKILL', 'hup', '10', 'RTMIN+2'].map(parseSignal),
      [15, 9, 1, 10, 36],
    );
    assert.throws(() => parseSignal('NOPE'), /invalid signal/);
  });
});
