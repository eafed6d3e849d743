/**
 * QEMU backend: `qemu-system-x86_64 -M microvm`, virtio-mmio block device,
 * and a virtio-serial port whose host end is a unix socket the monitor
 * listens on (vhost-vsock is missing on many hosts; see DESIGN.md §4).
 */
import fs from 'node:fs';
import type { Settings } from '../config/settings';
import { volumeChannel } from '../oci/guest-mounts';
import { BASE_KERNEL_ARGS, type Backend, type VmDescription, type VmmPlan } from './backend';

export const AGENT_SOCKET = 'agent.sock';
export const QMP_SOCKET = 'qmp.sock';

/**
 * Under TCG the guest's TSC ticks at the host's rate, but the guest's PIT-based
 * calibration of it fails in ~40% of boots; the kernel then falls back to a
 * jiffies clock and its timer calibration loops wait on PIT interrupts, where
 * some boots hung. Telling the guest the frequency (tsc_early_khz) makes every
 * boot take the TSC path. Only used when the host TSC is constant and known,
 * and "cpu MHz" is the same on every CPU: inside a VM it is the TSC rate, but
 * on a host that scales its CPUs' frequency it is each one's current clock.
 */
export function hostTscKhz(cpuinfo = '/proc/cpuinfo'): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(cpuinfo, 'utf8');
  } catch {
    return undefined;
  }
  const cpus = text.split('\n\n').filter((block) => /^processor\s*:/m.test(block));
  if (cpus.length === 0) return undefined;
  const flags = /^flags\s*:(.*)$/m.exec(cpus[0])?.[1].split(' ') ?? [];
  if (!flags.includes('constant_tsc') || !flags.includes('tsc_known_freq')) return undefined;
  const mhz = cpus.map((block) => /^cpu MHz\s*:\s*([\d.]+)$/m.exec(block)?.[1]);
  if (!mhz.every((m) => m !== undefined && m === mhz[0]) || !(Number(mhz[0]) > 0)) {
    return undefined;
  }
  return Math.round(Number(mhz[0]) * 1000);
}

/** The guest kernel's tick rate (CONFIG_HZ_100 in kernel/guest.config). */
const GUEST_KERNEL_HZ = 100;

/**
 * Kernel arguments that hand the guest the host's TSC rate instead of letting
 * it measure: tsc_early_khz (see hostTscKhz), and lpj, the delay loop's TSC
 * cycles per tick. Each secondary vCPU otherwise calibrates that loop against
 * the tick at start-up, ~180 ms per vCPU under TCG (sometimes failing to
 * settle). A kernel with a faster tick than assumed gets a larger lpj than
 * its own, so its short delays run long, never short.
 */
export function tscKernelArgs(tscKhz: number | undefined): string[] {
  if (!tscKhz) return [];
  return [`tsc_early_khz=${tscKhz}`, `lpj=${Math.round((tscKhz * 1000) / GUEST_KERNEL_HZ)}`];
}

export class QemuBackend implements Backend {
  readonly name = 'qemu' as const;

  constructor(private readonly settings: Settings) {}

  plan(vm: VmDescription): VmmPlan {
    const s = this.settings;
    const pci = s.qemuMachine === 'q35';
    const bus = pci ? 'pci' : 'device';
    // acpi=off: the guest kernel has no ACPI, and without ACPI QEMU declares
    // the virtio-mmio devices on the kernel command line instead. rtc=on: with
    // no RTC the kernel polls a CMOS port that never settles for a full second.
    const machine = pci
      ? 'q35'
      : 'microvm,x-option-roms=off,rtc=on,pit=on,pic=on,isa-serial=on,acpi=off';
    // Under TCG, QEMU keeps translated guest code in a buffer that may grow to
    // 1 GiB; bounded, it is flushed and refilled when full.
    const accel = s.qemuAccel === 'tcg' ? `tcg,tb-size=${s.qemuTcgBufferMiB}` : 'kvm';
    // werror/rerror=report: an I/O error (the host's disk full) goes to the
    // guest, whose file system reports it; QEMU's default pauses the VM for
    // good on ENOSPC, and the container hangs.
    const io = 'format=raw,if=none,cache=unsafe,discard=unmap,werror=report,rerror=report';
    const drive = `id=root,file=${vm.drivePath},${io}${vm.driveReadonly ? ',readonly=on' : ''}`;
    const layer = vm.layerPath
      ? ['-drive', `id=layer,file=${vm.layerPath},${io}`].concat([
          '-device',
          `virtio-blk-${bus},drive=layer`,
        ])
      : [];
    const tcg = s.qemuAccel === 'tcg';
    const tscKhz = tcg ? hostTscKhz() : undefined;
    const cmdline = [
      BASE_KERNEL_ARGS,
      pci ? '' : 'pci=off',
      ...tscKernelArgs(tscKhz),
      // TCG's CPU has no TSC-deadline timer, so the kernel calibrates the
      // local APIC timer against jiffies, then verifies it: 10 ticks each,
      // ~250 ms of a ~650 ms kernel boot. The PIT drives the tick instead
      // (broadcast to the other vCPUs). Under KVM the deadline timer skips
      // the calibration, so the APIC timer stays.
      tcg ? 'noapictimer' : '',
      vm.kernelArgs,
    ]
      .filter((a) => a !== '')
      .join(' ');

    const argv = [
      s.qemuPath,
      '-M',
      machine,
      '-accel',
      accel,
      '-cpu',
      s.qemuAccel === 'kvm' ? 'host' : 'max',
      '-smp',
      String(vm.vcpus),
      '-m',
      `${vm.memoryMiB}M`,
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-serial',
      'stdio',
      '-kernel',
      vm.kernelPath,
      '-initrd',
      vm.initrdPath,
      '-append',
      cmdline,
      '-drive',
      drive,
      '-device',
      `virtio-blk-${bus},drive=root`,
      '-netdev',
      `tap,id=net0,ifname=${vm.tapName},script=no,downscript=no`,
      '-device',
      `virtio-net-${bus},netdev=net0`,
      ...layer,
      // max_ports: the guest sets up two virtqueues per possible port when it
      // probes the device, and QEMU's default of 31 made that 64 queues (2 MiB
      // of guest RAM). Port 0 is kept for a console, then the agent, volumes.
      '-device',
      `virtio-serial-${bus},max_ports=${2 + vm.volumes}`,
      '-chardev',
      `socket,id=agent,path=${AGENT_SOCKET}`,
      '-device',
      'virtserialport,chardev=agent,name=dock-fire.agent',
      '-qmp',
      `unix:${QMP_SOCKET},server=on,wait=off`,
    ];
    const volumeSockets: string[] = [];
    for (let i = 0; i < vm.volumes; i++) {
      // One port per volume: its 9P traffic never queues behind stdio.
      volumeSockets.push(`vol${i}.sock`);
      argv.push('-chardev', `socket,id=vol${i},path=vol${i}.sock`);
      argv.push('-device', `virtserialport,chardev=vol${i},name=${volumeChannel(i)}`);
    }
    return { argv, agentSocket: AGENT_SOCKET, volumeSockets, files: [] };
  }
}
