import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { QemuBackend } from '../../src/vmm/qemu';
import { testVm } from './vm-fixture';

const vm = testVm();

function accelOf(env: Record<string, string>): string {
  const settings = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent', ...env });
  const argv = new QemuBackend(settings).plan(vm).argv;
  const i = argv.indexOf('-accel');
  assert.notEqual(i, -1, 'argv has -accel');
  assert.doesNotMatch(argv[argv.indexOf('-M') + 1], /accel=/, 'one accelerator option only');
  return argv[i + 1];
}

describe('QEMU accelerator options', () => {
  it('bounds the TCG translated-code buffer to 16 MiB by default', () => {
    // QEMU's own default lets it grow to 1 GiB in every VM (bench/README.md).
    assert.equal(accelOf({ DOCK_FIRE_QEMU_ACCEL: 'tcg' }), 'tcg,tb-size=16');
  });

  it('takes another bound from the settings', () => {
    const env = { DOCK_FIRE_QEMU_ACCEL: 'tcg', DOCK_FIRE_QEMU_TCG_BUFFER_MIB: '64' };
    assert.equal(accelOf(env), 'tcg,tb-size=64');
  });

  it('refuses a bound of 0, which QEMU would take as its 1 GiB default', () => {
    const env = { DOCK_FIRE_QEMU_ACCEL: 'tcg', DOCK_FIRE_QEMU_TCG_BUFFER_MIB: '0' };
    assert.throws(() => accelOf(env), /invalid setting qemuTcgBufferMiB/);
  });

  it('gives KVM no TCG options', () => {
    assert.equal(accelOf({ DOCK_FIRE_QEMU_ACCEL: 'kvm' }), 'kvm');
  });
});

describe('QEMU drives', () => {
  // QEMU's default (werror=enospc) paused the VM for good when the host's
  // disk filled: the container hung instead of seeing an error.
  it('report I/O errors to the guest instead of pausing the VM', () => {
    const settings = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent' });
    const layered = testVm({ layerPath: '/var/lib/dock-fire/x/layer.ext4' });
    const argv = new QemuBackend(settings).plan(layered).argv;
    const drives = argv.filter((_, i) => argv[i - 1] === '-drive');
    assert.equal(drives.length, 2);
    for (const drive of drives) assert.match(drive, /werror=report,rerror=report/);
  });
});
