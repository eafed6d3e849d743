/**
 * How big the container's VM is: annotations first (dock-fire.vcpus,
 * dock-fire.memory-mib, dock-fire.disk-mib), then the OCI resources Docker
 * sets for --cpus and --memory, then the host settings.
 */
import type { Settings } from '../config/settings';
import { DockFireError } from '../errors';
import type { Spec } from '../oci/spec';

const MIB = 1024 * 1024;
/** Guest RAM below this does not boot the kernel and init reliably. */
export const MIN_MEMORY_MIB = 64;
/** What the VMM and monitor themselves use beside guest RAM, kept out of --memory. */
export const VMM_OVERHEAD_MIB = 32;

export interface VmSize {
  vcpus: number;
  memoryMiB: number;
  diskMiB?: number;
}

function annotationInt(spec: Spec, key: string, min: number): number | undefined {
  const raw = spec.annotations?.[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new DockFireError(`annotation ${key}="${raw}" must be an integer of at least ${min}`);
  }
  return value;
}

export function vmSize(spec: Spec, settings: Settings): VmSize {
  const resources = (spec.linux?.resources ?? {}) as {
    cpu?: { quota?: number; period?: number };
    memory?: { limit?: number };
  };

  let vcpus = annotationInt(spec, 'dock-fire.vcpus', 1);
  if (vcpus === undefined) {
    const { quota, period } = resources.cpu ?? {};
    vcpus = quota && period && quota > 0 ? Math.max(1, Math.ceil(quota / period)) : settings.vcpus;
  }

  let memoryMiB = annotationInt(spec, 'dock-fire.memory-mib', MIN_MEMORY_MIB);
  if (memoryMiB === undefined) {
    const limit = resources.memory?.limit;
    if (limit && limit > 0) {
      memoryMiB = Math.floor(limit / MIB) - VMM_OVERHEAD_MIB;
      if (memoryMiB < MIN_MEMORY_MIB) {
        throw new DockFireError(
          `--memory ${Math.floor(limit / MIB)}m is too small for a microVM: it needs at least ` +
            `${MIN_MEMORY_MIB + VMM_OVERHEAD_MIB}m (${MIN_MEMORY_MIB} MiB guest RAM + ` +
            `${VMM_OVERHEAD_MIB} MiB VMM overhead)`,
        );
      }
    } else {
      memoryMiB = settings.memoryMiB;
    }
  }

  return { vcpus, memoryMiB, diskMiB: annotationInt(spec, 'dock-fire.disk-mib', 16) };
}
