/**
 * QEMU backend: `qemu-system-x86_64 -M microvm`, virtio-mmio block device,
 * and a virtio-serial port whose host end is a unix socket the monitor
 * listens on (vhost-vsock is missing on many hosts; see DESIGN.md §4).
 */
import type { Settings } from '../config/settings';
import { BASE_KERNEL_ARGS, type Backend, type VmDescription, type VmmPlan } from './backend';

export const AGENT_SOCKET = 'agent.sock';
export const QMP_SOCKET = 'qmp.sock';

export class QemuBackend implements Backend {
  readonly name = 'qemu' as const;

  constructor(private readonly settings: Settings) {}

  plan(vm: VmDescription): VmmPlan {
    const s = this.settings;
    const pci = s.qemuMachine === 'q35';
    const bus = pci ? 'pci' : 'device';
    const machine = pci
      ? 'q35,accel=' + s.qemuAccel
      : `microvm,accel=${s.qemuAccel},x-option-roms=off,rtc=off,pit=on,pic=on,isa-serial=on`;
    const drive = `id=root,file=${vm.drivePath},format=raw,if=none,cache=unsafe,` +
      `discard=unmap${vm.driveReadonly ? ',readonly=on' : ''}`;
    const cmdline = [BASE_KERNEL_ARGS, pci ? '' : 'pci=off', vm.kernelArgs]
      .filter((a) => a !== '')
      .join(' ');

    const argv = [
      s.qemuPath,
      '-M', machine,
      '-cpu', s.qemuAccel === 'kvm' ? 'host' : 'max',
      '-smp', String(vm.vcpus),
      '-m', `${vm.memoryMiB}M`,
      '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
      '-serial', 'stdio',
      '-kernel', vm.kernelPath,
      '-initrd', vm.initrdPath,
      '-append', cmdline,
      '-drive', drive,
      '-device', `virtio-blk-${bus},drive=root`,
      '-device', `virtio-serial-${bus}`,
      '-chardev', `socket,id=agent,path=${AGENT_SOCKET}`,
      '-device', 'virtserialport,chardev=agent,name=dock-fire.agent',
      '-qmp', `unix:${QMP_SOCKET},server=on,wait=off`,
    ];
    return { argv, agentSocket: AGENT_SOCKET, files: [] };
  }
}
