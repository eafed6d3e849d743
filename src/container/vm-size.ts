/**
 * How big the container's VM is: annotations first (dock-fire.vcpus,
 * dock-fire.memory-mib, dock-fire.disk-mib), then the OCI resources Docker
 * sets for --cpus, --cpuset-cpus and --memory, then the host settings.
 *
 * --memory bounds the whole VM on the host (the cgroup holds the VMM), so
 * guest RAM is the limit minus what the VMM itself uses: the VMM maps all of
 * guest RAM, and a guest that touches all of it must not push the VMM over
 * its own limit into the OOM killer.
 */
import os from 'node:os';
import type { Settings } from '../config/settings';
import { DockFireError } from '../errors';
import { logger } from '../log/logger';
import { cpuListSize, parseResources, type Resources } from '../cgroups/resources';
import type { Spec } from '../oci/spec';

const MIB = 1024 * 1024;
/** Guest RAM below this does not boot the kernel and init reliably. */
export const MIN_MEMORY_MIB = 64;
/** Firecracker's own limit, and more than any VM here needs. */
export const MAX_VCPUS = 32;
const MAX_MEMORY_MIB = 1024 * 1024;
const MAX_DISK_MIB = 16 * 1024 * 1024;

export type Vmm = 'qemu' | 'firecracker';

/**
 * What the monitor and VMM use beside guest RAM, kept out of --memory so
 * that a guest using all its RAM does not push the VMM over the limit.
 * Firecracker needs <5 MiB of its own. QEMU was measured under TCG with all
 * of a 224 MiB guest's RAM touched and a loop of busybox commands run: at
 * most 66 MiB beside guest RAM (peak RSS), of it the 16 MiB translated-code
 * buffer (bounded, qemuTcgBufferMiB), 16 MiB of other anonymous memory and
 * 33 MiB of mapped binary, libraries and kernel image, which the cgroup may
 * be charged for. KVM hosts have no translated-code buffer.
 * Limitation: a qemuTcgBufferMiB raised above its default of 16 takes the
 * difference out of this allowance's 14 MiB of headroom.
 */
export function vmmOverheadMiB(vmm: Vmm): number {
  return vmm === 'firecracker' ? 32 : 80;
}

export interface VmSize {
  vcpus: number;
  memoryMiB: number;
  diskMiB?: number;
}

function annotationInt(spec: Spec, key: string, min: number, max: number): number | undefined {
  const raw = spec.annotations?.[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new DockFireError(`annotation ${key}="${raw}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** vCPUs from --cpus (quota/period) and --cpuset-cpus: the fewer of the two. */
export function cpusFromResources(r: Resources): number | undefined {
  const { quota, period, cpus } = r.cpu ?? {};
  const fromQuota = quota && period && quota > 0 ? Math.ceil(quota / period) : undefined;
  const fromSet = cpus ? cpuListSize(cpus) : undefined;
  const all = [fromQuota, fromSet].filter((n): n is number => n !== undefined && n > 0);
  return all.length > 0 ? Math.min(MAX_VCPUS, ...all) : undefined;
}

/** Firecracker takes 1 or an even number of vCPUs: round up, and say so. */
function fitVcpus(vcpus: number, vmm: Vmm): number {
  if (vmm !== 'firecracker' || vcpus === 1 || vcpus % 2 === 0) return vcpus;
  logger().warn(
    { asked: vcpus, given: vcpus + 1 },
    `Firecracker needs 1 or an even number of vCPUs: the VM gets ${vcpus + 1}`,
  );
  return vcpus + 1;
}

/** Guest RAM for a --memory limit in bytes (undefined: no limit). */
export function guestMemoryForLimit(limit: number | undefined, vmm: Vmm): number | undefined {
  if (!limit || limit <= 0) return undefined;
  const limitMiB = Math.floor(limit / MIB);
  const overhead = vmmOverheadMiB(vmm);
  if (limitMiB - overhead < MIN_MEMORY_MIB) {
    throw new DockFireError(
      `--memory ${limitMiB}m is too small for a microVM: it needs at least ` +
        `${MIN_MEMORY_MIB + overhead}m (${MIN_MEMORY_MIB} MiB guest RAM + ` +
        `${overhead} MiB for the ${vmm} VMM itself)`,
    );
  }
  return limitMiB - overhead;
}

function memoryMiB(spec: Spec, r: Resources, settings: Settings, vmm: Vmm): number {
  const annotated = annotationInt(spec, 'dock-fire.memory-mib', MIN_MEMORY_MIB, MAX_MEMORY_MIB);
  const fromLimit = guestMemoryForLimit(r.memory?.limit, vmm);
  if (annotated === undefined) return fromLimit ?? settings.memoryMiB;
  if (fromLimit !== undefined && annotated > fromLimit) {
    const overhead = vmmOverheadMiB(vmm);
    throw new DockFireError(
      `annotation dock-fire.memory-mib=${annotated} does not fit in --memory ` +
        `${fromLimit + overhead}m: the VM needs --memory of at least ` +
        `${annotated + overhead}m (guest RAM + ${overhead} MiB for the ${vmm} VMM itself)`,
    );
  }
  return annotated;
}

/** The annotations this file reads; another `dock-fire.` one is a typo. */
const ANNOTATIONS = ['dock-fire.vcpus', 'dock-fire.memory-mib', 'dock-fire.disk-mib'];

function checkAnnotationNames(spec: Spec): void {
  for (const key of Object.keys(spec.annotations ?? {})) {
    if (key.startsWith('dock-fire.') && !ANNOTATIONS.includes(key)) {
      throw new DockFireError(
        `unknown annotation ${key}: dock-fire knows ${ANNOTATIONS.join(', ')}`,
      );
    }
  }
}

/**
 * QEMU cannot allocate more guest RAM than the host has, and failed only
 * once the VM was starting; runc would accept such a limit, but a VM's RAM
 * is real memory.
 */
function checkHostMemory(mib: number, hostBytes: number): void {
  const hostMiB = Math.floor(hostBytes / MIB);
  if (mib > hostMiB) {
    throw new DockFireError(
      `the VM's guest RAM of ${mib} MiB is more than this host's ${hostMiB} MiB of memory: ` +
        'lower --memory (or the annotation dock-fire.memory-mib)',
    );
  }
}

export function vmSize(
  spec: Spec,
  settings: Settings,
  vmm: Vmm = 'qemu',
  resources: Resources = parseResources(spec.linux?.resources, 'config.json'),
  hostMemoryBytes = os.totalmem(),
): VmSize {
  checkAnnotationNames(spec);
  const memory = memoryMiB(spec, resources, settings, vmm);
  checkHostMemory(memory, hostMemoryBytes);
  const vcpus =
    annotationInt(spec, 'dock-fire.vcpus', 1, MAX_VCPUS) ??
    cpusFromResources(resources) ??
    settings.vcpus;
  return {
    vcpus: fitVcpus(vcpus, vmm),
    memoryMiB: memory,
    diskMiB: annotationInt(spec, 'dock-fire.disk-mib', 16, MAX_DISK_MIB),
  };
}
