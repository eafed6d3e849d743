/** The runtime-spec features document (features.md) for `dock-fire features`. */
import { CAPABILITIES, MOUNT_FLAG_OPTIONS } from './linux-constants';

export function features() {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.1.0',
    hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
    mountOptions: Object.keys(MOUNT_FLAG_OPTIONS).sort(),
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
      capabilities: CAPABILITIES,
      // systemd paths are placed where systemd would put them, but no
      // transient scope unit is made: the systemd driver proper is absent.
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: {
      'io.github.dock-fire.isolation': 'microvm',
      'io.github.dock-fire.vmm': 'firecracker, qemu-microvm',
    },
  };
}
