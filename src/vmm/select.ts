/**
 * Picks the VMM backend from the settings and checks, before anything is
 * created, that what it needs is present: the binary, the kernel, the initrd
 * and a usable accelerator. Each failure says what to install or set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configPath, type Settings } from '../config/settings';
import { DockFireError } from '../errors';
import type { Backend } from './backend';
import { FirecrackerBackend } from './firecracker';
import { QemuBackend } from './qemu';

export function findOnPath(binary: string): string | undefined {
  if (binary.includes('/')) return isExecutable(binary) ? binary : undefined;
  const dirs = (
    process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  ).split(':');
  for (const dir of dirs) {
    const candidate = path.join(dir || '.', binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Why /dev/kvm cannot be used, or undefined when it can. */
export function kvmProblem(device = '/dev/kvm'): string | undefined {
  const KVM_MAJOR = 10;
  const KVM_MINOR = 232;
  let st: fs.Stats;
  try {
    st = fs.statSync(device);
  } catch {
    return `${device} does not exist (KVM is not enabled on this host)`;
  }
  const major = Math.floor(st.rdev / 256) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  if (!st.isCharacterDevice() || major !== KVM_MAJOR || minor !== KVM_MINOR) {
    return `${device} is not the KVM device`;
  }
  try {
    fs.closeSync(fs.openSync(device, 'r+'));
    return undefined;
  } catch (err) {
    return `${device} is not usable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

export function selectBackend(settings: Settings): Backend {
  const where = configPath();
  const firecracker = findOnPath(settings.firecrackerPath);
  const useFirecracker =
    settings.vmm === 'firecracker' || (settings.vmm === 'auto' && firecracker !== undefined);

  if (useFirecracker) {
    if (!firecracker) {
      throw new DockFireError(
        `${settings.firecrackerPath} not found on PATH: install Firecracker, or set ` +
          `"vmm": "qemu" in ${where}`,
      );
    }
    const kvm = kvmProblem();
    if (kvm) {
      throw new DockFireError(
        `Firecracker needs KVM but ${kvm}: enable KVM on this host, ` +
          `or set "vmm": "qemu" and "qemuAccel": "tcg" (slow) in ${where}`,
      );
    }
    return new FirecrackerBackend({ ...settings, firecrackerPath: firecracker });
  }

  const qemu = findOnPath(settings.qemuPath);
  if (!qemu) {
    throw new DockFireError(
      `no VMM found: ${settings.qemuPath} ${
        settings.qemuPath.includes('/') ? 'does not exist or is not executable' : 'is not on PATH'
      } and Firecracker is not installed: ` +
        'apt-get install qemu-system-x86, or install firecracker',
    );
  }
  if (settings.qemuAccel === 'kvm') {
    const kvm = kvmProblem();
    if (kvm) {
      throw new DockFireError(
        `${kvm}: enable KVM on this host, or set "qemuAccel": "tcg" ` +
          `(software emulation, slow) in ${where}`,
      );
    }
  }
  return new QemuBackend({ ...settings, qemuPath: qemu });
}

export function checkBootFiles(settings: Settings): void {
  const where = configPath();
  if (!fs.existsSync(settings.kernelPath)) {
    throw new DockFireError(
      `guest kernel ${settings.kernelPath} is missing: run ./install.sh, or set ` +
        `"kernelPath" in ${where} or DOCK_FIRE_KERNEL_PATH`,
    );
  }
  if (!fs.existsSync(settings.initrdPath)) {
    throw new DockFireError(
      `guest initramfs ${settings.initrdPath} is missing: run ./install.sh, or set ` +
        `"initrdPath" in ${where} or DOCK_FIRE_INITRD_PATH`,
    );
  }
  if (!isExecutable(settings.monitorPath)) {
    throw new DockFireError(
      `monitor ${settings.monitorPath} is missing: run ./install.sh, or set ` +
        `"monitorPath" in ${where} or DOCK_FIRE_MONITOR_PATH`,
    );
  }
}
