/**
 * Container state: `<root>/<id>/state.json`, written atomically (temp file +
 * rename) under a per-container lock. The state directory also holds the
 * monitor's sockets and logs; disk images live under the image directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type lockfileModule from 'proper-lockfile';
import { DockFireError, errnoCode } from '../errors';

export const DEFAULT_ROOT = '/run/dock-fire';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerState {
  /** Marks the state as dock-fire's: Docker hands every runtime runc's root. */
  runtime: 'dock-fire';
  ociVersion: string;
  id: string;
  bundle: string;
  rootfs: string;
  /** The monitor's pid: the container pid Docker waits for. */
  pid: number;
  /** From /proc/<pid>/stat, to tell our monitor from a later process with its pid. */
  pidStartTime: number;
  status: Status;
  created: string;
  annotations: Record<string, string>;
  vmm: 'qemu' | 'firecracker';
  /** Directory holding this container's disk images. */
  imageDir: string;
  /** cgroup directories created for the container, removed at delete. */
  cgroups?: string[];
  /** linux.cgroupsPath, where `update` writes new limits. */
  cgroupsPath?: string;
  /** The VM's size, fixed at create: `update` refuses limits that need another. */
  vcpus?: number;
  memoryMiB?: number;
  /** The guest's pids limit, fixed at create (0 or absent: none). */
  pidsLimit?: number;
  /** How the guest is networked; set at `start` (see src/network/guest-network.ts). */
  network?: NetworkState;
  /** Address of the DNS server in the namespace that the guest reaches through the monitor. */
  dnsRelay?: string;
}

export interface NetworkState {
  /** none: loopback only; netns: linked to the namespace's interface; nat: NAT mode. */
  mode: 'none' | 'netns' | 'nat';
  tap: string;
}

/**
 * Ids name files (`<id>.lock`, at most 255 bytes) and tag interfaces
 * (`dock-fire:<id>` aliases, at most 255 bytes): 200 characters leave room.
 */
const MAX_ID_LENGTH = 200;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

export function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new DockFireError(
      `invalid container id "${id}": use letters, digits, '_', '.', '+' and '-'`,
    );
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new DockFireError(
      `invalid container id "${id.slice(0, 20)}...": ${id.length} characters, at most ` +
        `${MAX_ID_LENGTH}`,
    );
  }
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    checkId(id);
    return path.join(this.root, id);
  }

  /** Creates the state directory; fails if the container already exists. */
  createDir(id: string): string {
    const dir = this.dir(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') {
        throw new DockFireError(`container with id ${id} already exists`);
      }
      throw err;
    }
    return dir;
  }

  /** True when id names a dock-fire container (not, say, runc's in the same root). */
  exists(id: string): boolean {
    try {
      this.read(id);
      return true;
    } catch {
      return false;
    }
  }

  read(id: string): ContainerState {
    const file = path.join(this.dir(id), 'state.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        throw new DockFireError(`container ${id} does not exist`);
      }
      throw err;
    }
    let state: ContainerState;
    try {
      state = JSON.parse(text) as ContainerState;
    } catch {
      throw new DockFireError(`state of container ${id} (${file}) is corrupt: delete it`);
    }
    if (state.runtime !== 'dock-fire') {
      // Another runtime's container in a shared --root: not ours to touch.
      throw new DockFireError(`container ${id} does not exist`);
    }
    return state;
  }

  write(state: ContainerState): void {
    const dir = this.dir(state.id);
    const tmp = path.join(dir, `.state.json.${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, 'state.json'));
  }

  list(): string[] {
    try {
      return fs
        .readdirSync(this.root)
        .filter((name) => ID_PATTERN.test(name) && name.length <= MAX_ID_LENGTH)
        .filter((name) => this.exists(name))
        .sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Runs fn holding the container's lock (a lock directory beside the state dir). */
  async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const dir = this.dir(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o711 });
    // Loaded here, not at the top: verbs that only read state (state, list)
    // skip its loading, which patches all of fs (graceful-fs).
    const lockfile = require('proper-lockfile') as typeof lockfileModule;
    const release = await lockfile.lock(dir, {
      realpath: false,
      lockfilePath: `${dir}.lock`,
      // A verb that crashed holding the lock frees it after 10 s; the retries outlast that.
      stale: 10_000,
      retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
    });
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
