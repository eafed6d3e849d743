/**
 * Writes cgroup limits into the container's cgroup, at create (before the
 * monitor joins) and at `update`. What goes where is decided in limits.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockFireError } from '../errors';
import { v1Writes, v2Writes, type CgroupWrite } from './limits';
import type { Hierarchy } from './placement';
import type { Resources } from './resources';

/** Where each write goes: the v1 hierarchy carrying its controller, or the v2 tree. */
function target(found: Hierarchy[], relative: string, w: CgroupWrite): CgroupWrite {
  const h = found.find((x) => x.v2 || x.controllers.includes(w.controller));
  if (!h) throw new DockFireError(`the ${w.controller} cgroup controller is not mounted`);
  const dir = path.join(h.mountPoint, relative);
  for (const choice of [w, ...(w.alternatives ?? [])]) {
    const file = path.join(dir, choice.file);
    if (fs.existsSync(file)) return { controller: w.controller, file, value: choice.value };
  }
  throw new DockFireError(`${w.file} is not available on this host's cgroups`);
}

/**
 * v1 refuses a memory limit above memory+swap: when raising the limit past
 * the current memory+swap, write memory+swap first (as runc does).
 */
function ordered(writes: CgroupWrite[]): CgroupWrite[] {
  const named = (name: string) => writes.find((w) => path.basename(w.file) === name);
  const limit = named('memory.limit_in_bytes');
  const swap = named('memory.memsw.limit_in_bytes');
  if (!limit || !swap) return writes;
  const current = Number(fs.readFileSync(swap.file, 'utf8').trim());
  if (Number(limit.value) <= current && limit.value !== '-1') return writes;
  return [swap, ...writes.filter((w) => w !== swap)];
}

/** Writes the limits of resources into the container's cgroup (at create and update). */
export function applyLimits(found: Hierarchy[], relative: string, resources: Resources): void {
  const v2 = found.length > 0 && found.every((h) => h.v2);
  const wanted = v2 ? v2Writes(resources) : v1Writes(resources);
  // Every file is found before the first write, so a missing one changes nothing.
  const writes = wanted.map((w) => target(found, relative, w));
  for (const w of ordered(writes)) {
    try {
      fs.writeFileSync(w.file, w.value);
    } catch (err) {
      const file = path.basename(w.file);
      throw new DockFireError(`writing "${w.value}" to ${file}: ${(err as Error).message}`);
    }
  }
}
