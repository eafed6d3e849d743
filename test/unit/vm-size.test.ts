import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { vmSize } from '../../src/container/vm-size';
import { defaultSpec } from '../../src/oci/default-spec';
import type { Spec } from '../../src/oci/spec';

const MIB = 1024 * 1024;
const settings = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent' });

function spec(resources: Record<string, unknown>, annotations: Record<string, string> = {}): Spec {
  const base = defaultSpec() as unknown as Spec;
  return { ...base, annotations, linux: { ...base.linux, resources } };
}

describe('VM size from resources', () => {
  it('defaults to 1 vCPU and 128 MiB', () => {
    assert.deepEqual(vmSize(spec({}), settings), { vcpus: 1, memoryMiB: 128, diskMiB: undefined });
  });

  it('gives --cpuset-cpus as many vCPUs as CPUs, and the fewer of it and --cpus', () => {
    assert.equal(vmSize(spec({ cpu: { cpus: '0-2,5' } }), settings).vcpus, 4);
    const both = { cpu: { cpus: '0-3', quota: 200000, period: 100000 } };
    assert.equal(vmSize(spec(both), settings).vcpus, 2);
  });

  it('rounds an odd vCPU count up to even for Firecracker only', () => {
    const three = spec({ cpu: { quota: 250000, period: 100000 } });
    assert.equal(vmSize(three, settings, 'qemu').vcpus, 3);
    assert.equal(vmSize(three, settings, 'firecracker').vcpus, 4);
    assert.equal(
      vmSize(spec({ cpu: { quota: 50000, period: 100000 } }), settings, 'firecracker').vcpus,
      1,
    );
  });

  it('refuses a memory annotation that does not fit in --memory', () => {
    const s = spec({ memory: { limit: 256 * MIB } }, { 'dock-fire.memory-mib': '512' });
    assert.throws(() => vmSize(s, settings), /does not fit in --memory 256m: .* at least 592m/);
    const fits = spec({ memory: { limit: 256 * MIB } }, { 'dock-fire.memory-mib': '150' });
    assert.equal(vmSize(fits, settings).memoryMiB, 150);
  });

  it('refuses out-of-range and malformed annotations', () => {
    assert.throws(() => vmSize(spec({}, { 'dock-fire.vcpus': '64' }), settings), /from 1 to 32/);
    assert.throws(() => vmSize(spec({}, { 'dock-fire.vcpus': '2.5' }), settings), /integer/);
    assert.throws(() => vmSize(spec({}, { 'dock-fire.disk-mib': '1e3' }), settings), /integer/);
    assert.equal(vmSize(spec({}, { 'dock-fire.disk-mib': '2048' }), settings).diskMiB, 2048);
  });
});

describe('VM size checks', () => {
  it('refuses guest RAM beyond the host memory, at create rather than in QEMU', () => {
    const s = spec({ memory: { limit: 4096 * MIB } });
    assert.throws(
      () => vmSize(s, settings, 'qemu', undefined, 2048 * MIB),
      /guest RAM of 4016 MiB is more than this host's 2048 MiB of memory: lower --memory/,
    );
    assert.equal(vmSize(s, settings, 'qemu', undefined, 8192 * MIB).memoryMiB, 4016);
  });

  it('refuses a misspelled dock-fire annotation instead of ignoring it', () => {
    assert.throws(
      () => vmSize(spec({}, { 'dock-fire.vcpu': '2' }), settings),
      /unknown annotation dock-fire.vcpu: dock-fire knows dock-fire.vcpus, /,
    );
    assert.equal(vmSize(spec({}, { 'other.tool': 'x' }), settings).vcpus, 1);
  });
});
