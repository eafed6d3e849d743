/**
 * Turns config.json mounts into what the guest init mounts. Kernel
 * filesystems (proc, sysfs, tmpfs, devpts, mqueue, cgroup) are mounted in the
 * guest as given. Directory binds (`-v /dir:/path`, named volumes) become
 * live volumes: the monitor serves the host directory over 9P on a channel
 * of its own and the guest mounts it with its kernel's 9p client
 * (docs/volumes.md). Single-file binds (`-v /file:/path`, and Docker's own
 * /etc/hosts, /etc/hostname, /etc/resolv.conf) are live too: all of them
 * are served by one file volume, whose root lists only those files, and the
 * guest binds each onto its target, resolved inside the container's root.
 * Nothing is ever written into the image's rootfs on the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError } from '../errors';
import type { GuestMount } from '../agent/process-spec';
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

/** Docker's default /dev/shm size, used when the host shm mount cannot be read. */
const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/**
 * Most directory volumes one container can have; the file volume comes on
 * top (DF_MAX_VOLUMES in native/common/protocol.h is this + 1).
 */
export const MAX_DIRECTORY_VOLUMES = 16;

/** Most single-file binds one container can have (MAX_VOLUME_FILES in the monitor). */
export const MAX_VOLUME_FILES = 64;

/** Largest 9P message (P9_MAX_MSIZE in native/monitor/p9.h). */
export const VOLUME_MSIZE = 64 * 1024;

/** The name of volume N's channel: a virtio-serial port, or vsock port 1025 + N. */
export function volumeChannel(index: number): string {
  return `dock-fire.vol.${index}`;
}

/** A host directory the monitor serves; `index` numbers its channel. */
export interface DirectoryVolume {
  kind: 'directory';
  index: number;
  source: string;
  readonly: boolean;
}

/** The host files of all single-file binds, served by one volume; file I is named "I". */
export interface FileVolume {
  kind: 'files';
  index: number;
  files: { source: string; readonly: boolean }[];
}

export type HostVolume = DirectoryVolume | FileVolume;

export interface GuestMounts {
  mounts: GuestMount[];
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

/** Flags a volume's guest mount keeps; binding and propagation mean nothing for 9p. */
const VOLUME_FLAGS = MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME;

/** The 9p mount options of every volume (see volumeMount). */
const VOLUME_DATA = `version=9p2000.L,msize=${VOLUME_MSIZE},access=client,cache=mmap`;

/**
 * A directory bind as a volume. `access=client`: the guest kernel checks
 * permissions against the owners and modes the server reports, as a local
 * file system would; `cache=mmap`: reads and writes go to the host at once,
 * only mmap uses the guest's page cache.
 */
function volumeMount(m: Mount, source: string, volumes: HostVolume[]): GuestMount {
  if (volumes.filter((v) => v.kind === 'directory').length >= MAX_DIRECTORY_VOLUMES) {
    throw new DockFireError(
      `bind mount of ${source} at ${m.destination}: at most ${MAX_DIRECTORY_VOLUMES} ` +
        'directory volumes per container',
    );
  }
  const { flags } = splitOptions(m.options);
  const readonly = (flags & MS.RDONLY) !== 0;
  const volume: DirectoryVolume = { kind: 'directory', index: volumes.length, source, readonly };
  volumes.push(volume);
  return {
    flags: flags & VOLUME_FLAGS,
    source: volumeChannel(volume.index),
    target: m.destination,
    fstype: '9p',
    data: VOLUME_DATA,
  };
}

/**
 * A single-file bind as file I of the file volume: the guest mounts that
 * volume once, where the container cannot see it, and binds "I" from it
 * onto the target with the flags asked for (ro, nosuid...). The monitor
 * opens the source at create, following symlinks as runc's bind mount
 * does, and serves that inode; `:ro` is refused on the host as well.
 */
function fileMount(m: Mount, source: string, volumes: HostVolume[]): GuestMount {
  let volume = volumes.find((v): v is FileVolume => v.kind === 'files');
  if (!volume) {
    volume = { kind: 'files', index: volumes.length, files: [] };
    volumes.push(volume);
  }
  if (volume.files.length >= MAX_VOLUME_FILES) {
    throw new DockFireError(
      `bind mount of ${source} at ${m.destination}: at most ${MAX_VOLUME_FILES} single-file ` +
        "bind mounts per container, Docker's own /etc/hosts, /etc/hostname and " +
        '/etc/resolv.conf among them',
    );
  }
  const { flags } = splitOptions(m.options);
  volume.files.push({ source, readonly: (flags & MS.RDONLY) !== 0 });
  return {
    flags: MS.BIND | (flags & VOLUME_FLAGS),
    source: `${volumeChannel(volume.index)}/${volume.files.length - 1}`,
    target: m.destination,
    fstype: '9p',
    data: VOLUME_DATA,
  };
}

/**
 * A bind of a directory onto a file of the image, or of a file onto a
 * directory, fails in the guest, where the error could only name the
 * volume's channel; it is refused here with the host path, as runc names
 * it. A target that is missing or a symlink is left to the guest.
 */
export function checkBindTargets(rootfs: string, mounts: Mount[]): void {
  for (const m of mounts.filter(isBind)) {
    let source: fs.Stats;
    let target: fs.Stats;
    try {
      source = fs.statSync(m.source ?? '');
      target = fs.lstatSync(path.join(rootfs, m.destination));
    } catch {
      continue;
    }
    if (target.isSymbolicLink() || source.isDirectory() === target.isDirectory()) continue;
    const [what, there] = source.isDirectory()
      ? ['a directory', 'a file']
      : ['a file', 'a directory'];
    throw new DockFireError(
      `bind mount of ${m.source} at ${m.destination}: the source is ${what} but ` +
        `${m.destination} in the image is ${there}`,
    );
  }
}

export function guestMounts(mounts: Mount[]): GuestMounts {
  const result: GuestMounts = { mounts: [], volumes: [] };

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
        result.mounts.push(fileMount(m, source, result.volumes));
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
