import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { firecrackerConfig } from '../../src/vmm/firecracker';
import { hostTscKhz, QemuBackend, tscKernelArgs } from '../../src/vmm/qemu';
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

  it('reads the TSC rate only where every CPU shows the same constant, known rate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cpuinfo-'));
    const file = path.join(dir, 'cpuinfo');
    const cpu = (n: number, mhz: string, flags = 'fpu tsc constant_tsc tsc_known_freq') =>
      `processor\t: ${n}\ncpu MHz\t\t: ${mhz}\nflags\t\t: ${flags}\n`;
    const read = (...blocks: string[]) => {
      fs.writeFileSync(file, blocks.join('\n'));
      return hostTscKhz(file);
    };
    try {
      assert.equal(read(cpu(0, '2596.144'), cpu(1, '2596.144')), 2_596_144);
      // A host scaling its CPUs' clocks: "cpu MHz" is each one's current rate.
      assert.equal(read(cpu(0, '3400.000'), cpu(1, '1200.000')), undefined);
      assert.equal(read(cpu(0, '2596.144', 'fpu tsc constant_tsc')), undefined);
      assert.equal(hostTscKhz(path.join(dir, 'missing')), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Firecracker boots with the same arguments', () => {
    const args = firecrackerConfig(vm)['boot-source'].boot_args.split(' ');
    for (const arg of ['no_timer_check', 'panic=-1', 'user.arg=1'])
      assert.ok(args.includes(arg), arg);
  });
});
