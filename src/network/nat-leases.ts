/**
 * NAT mode's address pool: each container gets a /30 of the configured pool
 * (default 10.0.0.0/16): .1 is the host's end of its link, .2 the guest's.
 * Leases live in one JSON file changed only under a lock, so parallel creates
 * never share a subnet; a lease whose container's state directory is gone
 * is free again, and subnets the host already uses are skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { DockFireError, errnoCode } from '../errors';
import { cidrSize, formatCidr, formatIpv4, overlaps, parseCidr, type Cidr } from './ipv4';

export const NAT_DIR = '/var/lib/dock-fire/nat';
const LEASES_FILE = 'leases.json';

const leasesSchema = z.array(
  z.object({ subnet: z.string(), id: z.string(), stateDir: z.string() }),
);
export type Lease = z.infer<typeof leasesSchema>[number];

export interface Allocation {
  subnet: string;
  hostAddress: string;
  guestAddress: string;
  prefix: 30;
}

function readLeases(file: string): Lease[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  try {
    return leasesSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new DockFireError(`${file} is damaged (${(err as Error).message}); remove it`);
  }
}

function writeLeases(file: string, leases: Lease[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(leases, null, 1) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export async function withLeases<T>(dir: string, fn: (leases: Lease[]) => T): Promise<T> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LEASES_FILE);
  const release = await lockfile.lock(dir, {
    realpath: false,
    lockfilePath: path.join(dir, 'leases.lock'),
    stale: 30_000,
    retries: { retries: 200, minTimeout: 10, maxTimeout: 100 },
  });
  try {
    const leases = readLeases(file);
    const result = fn(leases);
    writeLeases(file, leases);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Picks the lowest free /30 of the pool for id, recording the lease in
 * leases (the caller holds the lock). inUse lists networks of the host that
 * a subnet must not overlap.
 */
export function allocate(
  leases: Lease[],
  pool: string,
  owner: { id: string; stateDir: string },
  inUse: Cidr[],
): Allocation {
  const poolCidr = parseCidr(pool);
  if (poolCidr.prefix > 30) throw new DockFireError(`NAT pool ${pool} is smaller than a /30`);

  // A lease outlives its container only after a crash: its state is gone.
  for (let i = leases.length - 1; i >= 0; i--) {
    if (!fs.existsSync(leases[i].stateDir)) leases.splice(i, 1);
  }
  // Links and rules are named by id: two containers of one id cannot both have them.
  if (sharesId(leases, owner)) {
    throw new DockFireError(
      `a container ${owner.id} under another --root has NAT networking: ids must be unique`,
    );
  }
  const existing = leases.find((l) => l.id === owner.id && l.stateDir === owner.stateDir);
  const taken = new Set(leases.map((l) => l.subnet));

  let subnet: Cidr | undefined;
  if (existing) subnet = parseCidr(existing.subnet);
  for (let base = poolCidr.base; !subnet && base < poolCidr.base + cidrSize(poolCidr); base += 4) {
    const candidate = { base, prefix: 30 };
    if (taken.has(formatCidr(candidate)) || inUse.some((n) => overlaps(n, candidate))) continue;
    subnet = candidate;
  }
  if (!subnet && leases.length === 0) {
    // Nothing of ours holds it: the host's own addresses and routes cover it.
    throw new DockFireError(
      `the NAT pool ${pool} lies within this host's own networks: set natPool in the ` +
        'config (or DOCK_FIRE_NAT_POOL) to a range the host does not use',
    );
  }
  if (!subnet) {
    throw new DockFireError(
      `the NAT pool ${pool} has no free /30 left (raise natPool in the config, or run ` +
        '`dock-fire gc`)',
    );
  }
  if (!existing) leases.push({ subnet: formatCidr(subnet), ...owner });
  return {
    subnet: formatCidr(subnet),
    hostAddress: formatIpv4(subnet.base + 1),
    guestAddress: formatIpv4(subnet.base + 2),
    prefix: 30,
  };
}

/** Whether a live container of owner's id, with another state directory, holds a lease. */
export function sharesId(leases: Lease[], owner: { id: string; stateDir: string }): boolean {
  return leases.some(
    (l) => l.id === owner.id && l.stateDir !== owner.stateDir && fs.existsSync(l.stateDir),
  );
}

/** Drops id's lease; returns whether there was one. */
export function release(leases: Lease[], owner: { id: string; stateDir: string }): boolean {
  const i = leases.findIndex((l) => l.id === owner.id && l.stateDir === owner.stateDir);
  if (i >= 0) leases.splice(i, 1);
  return i >= 0;
}
