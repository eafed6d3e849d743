/**
 * Puts the monitor (and with it the VMM it forks) into the cgroup that
 * config.json's `linux.cgroupsPath` names, on cgroup v1 (every mounted
 * hierarchy) or v2, so `docker stats` shows the whole VM. The shim reads the
 * cgroup of the container pid once `create` returns, so the monitor joins
 * before it reports ready.
 * Limitation: limits (memory.max, cpu.max) are not written yet; --memory and
 * --cpus size the VM instead (issue 5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError, errnoCode } from '../errors';

interface Hierarchy {
  mountPoint: string;
  v2: boolean;
  cpuset: boolean;
}

export function hierarchies(mountinfo = '/proc/self/mountinfo'): Hierarchy[] {
  const found: Hierarchy[] = [];
  for (const line of fs.readFileSync(mountinfo, 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , superOptions] = right.split(' ');
    const mountPoint = left.split(' ')[4];
    if (fstype === 'cgroup') {
      found.push({ mountPoint, v2: false, cpuset: superOptions.split(',').includes('cpuset') });
    } else if (fstype === 'cgroup2') {
      found.push({ mountPoint, v2: true, cpuset: false });
    }
  }
  // Hybrid hosts mount cgroup2 beside v1 controllers: runc uses the v1 ones.
  return found.some((h) => !h.v2) ? found.filter((h) => !h.v2) : found;
}

/** `slice:prefix:name` (systemd driver) or a path (cgroupfs driver) to a path. */
export function cgroupRelativePath(cgroupsPath: string): string {
  if (!cgroupsPath.startsWith('/') && cgroupsPath.split(':').length === 3) {
    const [slice, prefix, name] = cgroupsPath.split(':');
    // A slice "a-b-c.slice" lives at /a.slice/a-b.slice/a-b-c.slice.
    const parts = slice.replace(/\.slice$/, '').split('-');
    const slices = parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`);
    return path.join('/', ...(slice === '-.slice' ? [] : slices), `${prefix}-${name}.scope`);
  }
  if (cgroupsPath.split('/').includes('..')) {
    throw new DockFireError(`invalid cgroupsPath ${cgroupsPath}: it must not contain ".."`);
  }
  return path.posix.normalize(`/${cgroupsPath}`);
}

/** cpuset v1 refuses tasks until a new cgroup has cpus and mems: copy the parent's. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = path.join(dir, file);
    if (fs.readFileSync(own, 'utf8').trim() !== '') continue;
    fs.writeFileSync(own, fs.readFileSync(path.join(dir, '..', file), 'utf8'));
  }
}

/**
 * Creates the container's cgroup and any missing parents. Returns the
 * container's own directory when this call created it: parents such as
 * /docker are shared with other containers and stay, as with runc.
 */
function makeCgroup(h: Hierarchy, relative: string): string[] {
  let dir = h.mountPoint;
  let createdLeaf = false;
  for (const part of relative.split('/').filter((p) => p)) {
    dir = path.join(dir, part);
    try {
      fs.mkdirSync(dir);
      createdLeaf = true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      createdLeaf = false;
    }
    if (h.cpuset) inheritCpuset(dir);
  }
  return createdLeaf ? [dir] : [];
}

export interface Placement {
  /** cgroup.procs files the monitor writes its pid into. */
  procsFiles: string[];
  /** The container's own cgroup directories, created here: removed at delete. */
  created: string[];
}

export function prepareCgroups(cgroupsPath: string | undefined): Placement {
  const placement: Placement = { procsFiles: [], created: [] };
  if (!cgroupsPath) return placement;
  const relative = cgroupRelativePath(cgroupsPath);
  try {
    for (const h of hierarchies()) {
      placement.created.push(...makeCgroup(h, relative));
      placement.procsFiles.push(path.join(h.mountPoint, relative, 'cgroup.procs'));
    }
  } catch (err) {
    removeCgroups(placement.created);
    throw new DockFireError(`creating cgroup ${cgroupsPath}: ${(err as Error).message}`);
  }
  return placement;
}

/** Removes the container's cgroups; their processes must be gone. */
export function removeCgroups(created: string[]): void {
  for (const dir of created) {
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') {
        throw new DockFireError(`removing cgroup ${dir}: ${(err as Error).message}`);
      }
    }
  }
}
