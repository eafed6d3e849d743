/**
 * Firecracker backend. The VM is described in a config file (the same
 * objects as the API's PUT bodies: boot-source, drives, machine-config,
 * vsock) and started with `--config-file`, which boots at once; the API
 * socket stays up for PATCH /vm (pause, resume). The guest's agent channel is
 * a guest-initiated vsock connection to port 1024, which Firecracker hands to
 * the unix socket `<uds_path>_1024` that the monitor listens on.
 */
import type { Settings } from '../config/settings';
import { BASE_KERNEL_ARGS, type Backend, type VmDescription, type VmmPlan } from './backend';

export const API_SOCKET = 'firecracker.sock';
export const VSOCK_SOCKET = 'vsock.sock';
export const AGENT_PORT = 1024;
/** Volume N's vsock port is this + N (DF_VOLUME_VSOCK_PORT_BASE). */
export const VOLUME_PORT_BASE = 1025;
export const CONFIG_FILE = 'firecracker.json';
/** Guest CIDs 0-2 are reserved; every VM has its own vsock device, so one CID suffices. */
const GUEST_CID = 3;

/** Firecracker accepts 1 or an even number of vCPUs: round up. */
export function firecrackerVcpus(vcpus: number): number {
  return vcpus === 1 ? 1 : vcpus + (vcpus % 2);
}

export function firecrackerConfig(vm: VmDescription) {
  return {
    'boot-source': {
      kernel_image_path: vm.kernelPath,
      initrd_path: vm.initrdPath,
      boot_args: [BASE_KERNEL_ARGS, 'pci=off', vm.kernelArgs].filter((a) => a).join(' '),
    },
    drives: [
      {
        drive_id: 'root',
        path_on_host: vm.drivePath,
        is_root_device: false,
        is_read_only: vm.driveReadonly,
      },
      ...(vm.layerPath
        ? [
            {
              drive_id: 'layer',
              path_on_host: vm.layerPath,
              is_root_device: false,
              is_read_only: false,
            },
          ]
        : []),
    ],
    'machine-config': {
      vcpu_count: firecrackerVcpus(vm.vcpus),
      mem_size_mib: vm.memoryMiB,
      smt: false,
    },
    vsock: { guest_cid: GUEST_CID, uds_path: VSOCK_SOCKET },
    'network-interfaces': [{ iface_id: 'eth0', host_dev_name: vm.tapName }],
  };
}

export class FirecrackerBackend implements Backend {
  readonly name = 'firecracker' as const;

  constructor(private readonly settings: Settings) {}

  plan(vm: VmDescription): VmmPlan {
    const config = JSON.stringify(firecrackerConfig(vm), null, 2);
    return {
      argv: [this.settings.firecrackerPath, '--api-sock', API_SOCKET, '--config-file', CONFIG_FILE],
      agentSocket: `${VSOCK_SOCKET}_${AGENT_PORT}`,
      // The guest connects volume N's channel to vsock port 1025 + N.
      volumeSockets: Array.from(
        { length: vm.volumes },
        (_, i) => `${VSOCK_SOCKET}_${VOLUME_PORT_BASE + i}`,
      ),
      files: [{ name: CONFIG_FILE, content: config }],
    };
  }
}
