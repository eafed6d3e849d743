/**
 * Turns config.json mounts into what the guest init mounts. Kernel
 * filesystems (proc, sysfs, tmpfs, devpts, mqueue, cgroup) are mounted in the
 * guest as given. Directory binds (`-v /dir:/path`, named volumes) become
 * live volumes: the monitor serves the host directory over 9P on a channel
 * of its own and the guest mounts it with its kernel's 9p client
 * (docs/volumes.md). Docker's small file bind mounts (/etc/hosts,
 * /etc/hostname, /etc/resolv.conf) are copied: the host reads the source (at
 * create to check it, at start for the guest, after Docker's network hook
 * wrote it) and the
 * guest bind-mounts its copy, resolving the target inside the container's
 * root. Nothing is ever written into the image's rootfs on the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError } from '../errors';
import type { GuestFile, GuestMount } from '../agent/process-spec';
import { MOUNT_FLAG_OPTIONS, MS } from './linux-constants';
import type { Mount } from './spec';

const KERNEL_FILESYSTEMS = new Set([
  'proc',
  'sysfs',
  'tmpfs',
  'devpts',
  'mqueue',
  'cgroup',
  'cgroup2',
]);

/** Largest host file copied into the guest; all copies share the START frame. */
export const MAX_COPIED_FILE = 16 * 1024;

/** Docker's default /dev/shm size, used when the host shm mount cannot be read. */
const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/** Most volumes one container can have (DF_MAX_VOLUMES in native/common/protocol.h). */
export const MAX_VOLUMES = 16;

/** Largest 9P message (P9_MAX_MSIZE in native/monitor/p9.h). */
export const VOLUME_MSIZE = 64 * 1024;

/** The name of volume N's channel: a virtio-serial port, or vsock port 1025 + N. */
export function volumeChannel(index: number): string {
  return `dock-fire.vol.${index}`;
}

/** A host directory the monitor serves; `index` numbers its channel. */
export interface HostVolume {
  index: number;
  source: string;
  readonly: boolean;
}

export interface GuestMounts {
  mounts: GuestMount[];
  files: GuestFile[];
  volumes: HostVolume[];
}

export function splitOptions(options: string[] = []): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const option of options) {
    if (option in MOUNT_FLAG_OPTIONS) {
      flags |= MOUNT_FLAG_OPTIONS[option] ?? 0;
    } else {
      data.push(option);
    }
  }
  return { flags, data: data.join(',') };
}

function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/** Docker's /dev/shm is a bind of a host tmpfs; the guest gets a tmpfs of the same size. */
function shmMount(m: Mount): GuestMount {
  let size = DEFAULT_SHM_BYTES;
  try {
    const st = fs.statfsSync(m.source ?? '');
    if (st.blocks > 0) size = st.blocks * st.bsize;
  } catch {
    // The source is Docker's; without it the default size is what Docker would use.
  }
  return {
    flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
    source: 'shm',
    target: m.destination,
    fstype: 'tmpfs',
    data: `mode=1777,size=${size}`,
  };
}

function copiedFile(m: Mount, source: string, st: fs.Stats): GuestFile {
  if (st.size > MAX_COPIED_FILE) {
    throw new DockFireError(
      `bind mount of ${source} at ${m.destination}: files over ${MAX_COPIED_FILE} bytes ` +
        'cannot be mounted into a microVM yet',
    );
  }
  const content = fs.readFileSync(source);
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, target: m.destination, content };
}

/** Flags a volume's guest mount keeps; binding and propagation mean nothing for 9p. */
const VOLUME_FLAGS = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME;

/**
 * A directory bind as a volume. `access=client`: the guest kernel checks
 * permissions against the owners and modes the server reports, as a local
 * file system would; `cache=mmap`: reads and writes go to the host at once,
 * only mmap uses the guest's page cache.
 */
function volumeMount(m: Mount, source: string, volumes: HostVolume[]): GuestMount {
  if (volumes.length >= MAX_VOLUMES) {
    throw new DockFireError(
      `bind mount of ${source} at ${m.destination}: at most ${MAX_VOLUMES} directory ` +
        'volumes per container',
    );
  }
  const { flags } = splitOptions(m.options);
  const volume = { index: volumes.length, source, readonly: (flags & MS.RDONLY) !== 0 };
  volumes.push(volume);
  return {
    flags: flags & VOLUME_FLAGS,
    source: volumeChannel(volume.index),
    target: m.destination,
    fstype: '9p',
    data: `version=9p2000.L,msize=${VOLUME_MSIZE},access=client,cache=mmap`,
  };
}

export function guestMounts(mounts: Mount[]): GuestMounts {
  const result: GuestMounts = { mounts: [], files: [], volumes: [] };

  for (const m of mounts) {
    if (!path.isAbsolute(m.destination)) {
      throw new DockFireError(`mount destination ${m.destination} must be absolute`);
    }
    if (isBind(m)) {
      const source = m.source ?? '';
      let st: fs.Stats;
      try {
        st = fs.statSync(source);
      } catch (err) {
        throw new DockFireError(`bind mount source ${source}: ${(err as Error).message}`);
      }
      if (m.destination === '/dev/shm' && st.isDirectory()) {
        result.mounts.push(shmMount(m));
      } else if (st.isFile()) {
        result.files.push(copiedFile(m, source, st));
      } else if (st.isDirectory()) {
        result.mounts.push(volumeMount(m, source, result.volumes));
      } else {
        throw new DockFireError(
          `bind mount of ${source} at ${m.destination}: only directories and regular ` +
            'files can be mounted into a microVM',
        );
      }
      continue;
    }

    const type = m.type ?? '';
    if (!KERNEL_FILESYSTEMS.has(type)) {
      throw new DockFireError(
        `mount of type "${type}" at ${m.destination} is not supported by dock-fire`,
      );
    }
    const { flags, data } = splitOptions(m.options);
    result.mounts.push({
      flags,
      source: m.source ?? type,
      target: m.destination,
      fstype: type === 'cgroup' ? 'cgroup2' : type,
      data: type === 'cgroup' ? '' : data,
    });
  }
  return result;
}
