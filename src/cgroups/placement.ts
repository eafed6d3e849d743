/**
 * Puts the monitor (and with it the VMM it forks) into the cgroup that
 * config.json's `linux.cgroupsPath` names, on cgroup v1 (every mounted
 * hierarchy) or v2, so `docker stats` shows the whole VM. The shim reads the
 * cgroup of the container pid once `create` returns, so the monitor joins
 * before it reports ready.
 * The limits of linux.resources are written before the monitor joins, so the
 * VMM is bounded from its first page (limits.ts says what goes where).
 * Limitation: without linux.cgroupsPath (dock-fire run with a bare spec) the
 * VM is placed in no cgroup and no limit is written; runc would make one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError, errnoCode } from '../errors';
import { logger } from '../log/logger';
import { applyLimits } from './apply';
import type { Resources } from './resources';

export interface Hierarchy {
  mountPoint: string;
  v2: boolean;
  cpuset: boolean;
  /** v1: the controllers this hierarchy carries (cpu, cpuacct, ...); v2: empty. */
  controllers: string[];
}

/** The mount options of a v1 hierarchy that are not controller names. */
const NOT_CONTROLLERS = /^(rw|ro|name=.*|noprefix|clone_children|xattr|release_agent=.*)$/;

export function hierarchies(mountinfo = '/proc/self/mountinfo'): Hierarchy[] {
  const found: Hierarchy[] = [];
  for (const line of fs.readFileSync(mountinfo, 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , superOptions] = right.split(' ');
    const mountPoint = left.split(' ')[4];
    if (fstype === 'cgroup') {
      const controllers = superOptions.split(',').filter((o) => !NOT_CONTROLLERS.test(o));
      found.push({ mountPoint, v2: false, cpuset: controllers.includes('cpuset'), controllers });
    } else if (fstype === 'cgroup2') {
      found.push({ mountPoint, v2: true, cpuset: false, controllers: [] });
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
    // A plain directory (a test's fake tree) has no file yet: treat it as empty.
    if (fs.existsSync(own) && fs.readFileSync(own, 'utf8').trim() !== '') continue;
    fs.writeFileSync(own, fs.readFileSync(path.join(dir, '..', file), 'utf8'));
  }
}

/** Controllers runc enables for a container on v2, when the host has them. */
const V2_CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'];

/**
 * v2 only gives a cgroup the controllers its parent lists in
 * cgroup.subtree_control: enable them from the root down to dir's parent.
 */
function enableV2Controllers(mountPoint: string, dir: string): void {
  const available = fs.readFileSync(path.join(mountPoint, 'cgroup.controllers'), 'utf8');
  const wanted = V2_CONTROLLERS.filter((c) => available.split(/\s+/).includes(c));
  if (wanted.length === 0) return;
  for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
    const control = path.join(parent, 'cgroup.subtree_control');
    const enabled = fs.readFileSync(control, 'utf8').split(/\s+/);
    const missing = wanted.filter((c) => !enabled.includes(c));
    if (missing.length > 0) enable(control, missing);
    if (parent === mountPoint || parent === '/') break;
  }
}

/**
 * A parent may refuse one controller (cpuset in a cgroup with processes of
 * its own, say) and take the rest: then enable them one by one. A limit
 * whose controller stays off fails later, naming its file.
 */
function enable(control: string, controllers: string[]): void {
  try {
    fs.writeFileSync(control, controllers.map((c) => `+${c}`).join(' '));
  } catch {
    for (const c of controllers) {
      try {
        fs.writeFileSync(control, `+${c}`);
      } catch (err) {
        logger().debug({ control, controller: c, err: String(err) }, 'controller not enabled');
      }
    }
  }
}

/**
 * Creates the container's cgroup and any missing parents. Returns the
 * container's own directory when this call created it: parents such as
 * /docker are shared with other containers and stay, as with runc.
 */
function makeCgroup(h: Hierarchy, relative: string): { dir: string; created: string[] } {
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
  if (h.v2) enableV2Controllers(h.mountPoint, dir);
  return { dir, created: createdLeaf ? [dir] : [] };
}

export interface Placement {
  /** cgroup.procs files the monitor writes its pid into. */
  procsFiles: string[];
  /** The container's own cgroup directories, created here: removed at delete. */
  created: string[];
}

/**
 * Creates the cgroup of cgroupsPath in every hierarchy and writes the limits
 * of resources into it; the monitor joins it later through procsFiles.
 */
export function prepareCgroups(
  cgroupsPath: string | undefined,
  resources: Resources = {},
  mountinfo?: string,
): Placement {
  const placement: Placement = { procsFiles: [], created: [] };
  if (!cgroupsPath) return placement;
  const relative = cgroupRelativePath(cgroupsPath);
  try {
    const found = hierarchies(mountinfo);
    for (const h of found) {
      const { dir, created } = makeCgroup(h, relative);
      placement.created.push(...created);
      placement.procsFiles.push(path.join(dir, 'cgroup.procs'));
    }
    applyLimits(found, relative, resources);
  } catch (err) {
    try {
      removeCgroups(placement.created);
    } catch (cleanupErr) {
      logger().warn({ err: String(cleanupErr) }, 'cleanup after a failed cgroup setup');
    }
    throw new DockFireError(`cgroup ${cgroupsPath}: ${(err as Error).message}`);
  }
  return placement;
}

/** Writes new limits into an existing container's cgroup (`update`). */
export function updateLimits(cgroupsPath: string, resources: Resources, mountinfo?: string) {
  try {
    applyLimits(hierarchies(mountinfo), cgroupRelativePath(cgroupsPath), resources);
  } catch (err) {
    throw new DockFireError(`cgroup ${cgroupsPath}: ${(err as Error).message}`);
  }
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
