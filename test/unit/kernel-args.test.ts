import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { firecrackerConfig } from '../../src/vmm/firecracker';
import { QemuBackend, tscKernelArgs } from '../../src/vmm/qemu';
import { testVm } from './vm-fixture';

const vm = testVm({ drivePath: '/var/lib/dock-fire/x/root.ext4', kernelArgs: 'user.arg=1' });

function qemuCmdline(accel: string): string[] {
  const settings = loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent', DOCK_FIRE_QEMU_ACCEL: accel });
  const argv = new QemuBackend(settings).plan(vm).argv;
  return argv[argv.indexOf('-append') + 1].split(' ');
}

describe('the guest kernel command line', () => {
  // A guest whose VMM thread the host schedules late (a burst of boots, TCG)
  // failed the kernel's boot-time timer check and panicked.
  for (const accel of ['tcg', 'kvm']) {
    it(`QEMU (${accel}) skips the boot timer check, ends the VM on a panic, keeps the user's args`, () => {
      const args = qemuCmdline(accel);
      for (const arg of ['no_timer_check', 'panic=-1', 'user.arg=1'])
        assert.ok(args.includes(arg), arg);
      assert.ok(args.indexOf('user.arg=1') > args.indexOf('no_timer_check'), 'user args come last');
    });
  }

  // Calibrating the APIC timer took ~250 ms of every TCG boot.
  it('QEMU under TCG skips the APIC timer; under KVM keeps it (TSC deadline)', () => {
    assert.ok(qemuCmdline('tcg').includes('noapictimer'));
    assert.ok(!qemuCmdline('kvm').includes('noapictimer'));
  });

  // Each secondary vCPU calibrated its delay loop for ~180 ms under TCG.
  it('gives the guest the TSC rate and the delay loop per 100 Hz tick, when known', () => {
    assert.deepEqual(tscKernelArgs(2_596_144), ['tsc_early_khz=2596144', 'lpj=25961440']);
    assert.deepEqual(tscKernelArgs(undefined), []);
  });

  it('Firecracker boots with the same arguments', () => {
    const args = firecrackerConfig(vm)['boot-source'].boot_args.split(' ');
    for (const arg of ['no_timer_check', 'panic=-1', 'user.arg=1'])
      assert.ok(args.includes(arg), arg);
  });
});
