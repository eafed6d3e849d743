/** A VM description for the VMM plan tests; each test overrides what it checks. */
import type { VmDescription } from '../../src/vmm/backend';

export function testVm(overrides: Partial<VmDescription> = {}): VmDescription {
  return {
    stateDir: '/run/dock-fire/x',
    kernelPath: '/k/vmlinux',
    initrdPath: '/k/initramfs.cpio',
    drivePath: '/var/lib/dock-fire/x/rootfs.ext4',
    driveReadonly: false,
    vcpus: 1,
    memoryMiB: 128,
    kernelArgs: '',
    tapName: 'dft-test',
    volumes: 0,
    ...overrides,
  };
}
