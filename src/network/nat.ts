/**
 * NAT mode, for containers whose namespace has no interface at `start`
 * (`--net=none`, or a bundle run without Docker) when the config enables it:
 * a veth pair links the host to the namespace, whose end becomes eth0 with
 * the guest's address of a /30 from the pool, and the host masquerades and
 * forwards for that /30. The namespace then looks as Docker would leave it,
 * and the guest is linked to it the same way.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { run, tryRun } from './command';
import { addRule, deleteRulesOf } from './iptables';
import { parseCidr, type Cidr } from './ipv4';
import { hostLinkName, ownerTag } from './names';
import { allocate, NAT_DIR, release, sharesId, withLeases, type Allocation } from './nat-leases';

export const NAT_LINK_IN_NETNS = 'eth0';

const hostAddrSchema = z.array(
  z.object({
    addr_info: z
      .array(z.object({ family: z.string(), local: z.string(), prefixlen: z.number() }))
      .default([]),
  }),
);

const routeSchema = z.array(z.object({ dst: z.string() }));

/** The IPv4 networks of the runtime's namespace (addresses and routes) a /30 must not overlap. */
async function hostNetworks(): Promise<Cidr[]> {
  const out = await run(['ip', '-j', '-4', 'address', 'show']);
  const networks: Cidr[] = [];
  for (const link of hostAddrSchema.parse(JSON.parse(out || '[]'))) {
    for (const a of link.addr_info) {
      if (a.family !== 'inet') continue;
      const size = 2 ** (32 - a.prefixlen);
      const base = parseCidr(`${a.local}/32`).base;
      networks.push({ base: base - (base % size), prefix: a.prefixlen });
    }
  }
  const routes = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'main']);
  for (const r of routeSchema.parse(JSON.parse(routes || '[]'))) {
    if (r.dst === 'default') continue;
    const [address, prefix] = r.dst.split('/');
    const cidr = parseCidr(`${address}/32`);
    const p = prefix === undefined ? 32 : Number(prefix);
    const size = 2 ** (32 - p);
    networks.push({ base: cidr.base - (cidr.base % size), prefix: p });
  }
  return networks;
}

export interface NatOwner {
  id: string;
  stateDir: string;
}

export async function setupNat(pid: number, owner: NatOwner, pool: string): Promise<Allocation> {
  const inUse = await hostNetworks();
  const lease = await withLeases(NAT_DIR, (leases) => allocate(leases, pool, owner, inUse));
  const host = hostLinkName(owner.id);

  await run([
    'ip', 'link', 'add', host, 'type', 'veth',
    'peer', 'name', NAT_LINK_IN_NETNS, 'netns', String(pid),
  ]); // prettier-ignore
  await run(['ip', '-batch', '-'], {
    input:
      `link set dev ${host} alias ${ownerTag(owner.id)}\n` +
      `address add ${lease.hostAddress}/${lease.prefix} dev ${host}\n` +
      `link set dev ${host} up\n`,
  });
  await run(['ip', '-batch', '-'], {
    netnsPid: pid,
    input:
      `address add ${lease.guestAddress}/${lease.prefix} dev ${NAT_LINK_IN_NETNS}\n` +
      `link set dev ${NAT_LINK_IN_NETNS} up\n` +
      `route add default via ${lease.hostAddress}\n`,
  });

  fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  await addRule(owner.id, {
    table: 'nat',
    chain: 'POSTROUTING',
    spec: ['-s', lease.subnet, '!', '-o', host, '-j', 'MASQUERADE'],
  });
  await addRule(owner.id, {
    table: 'filter',
    chain: 'FORWARD',
    spec: ['-i', host, '-j', 'ACCEPT'],
  });
  await addRule(owner.id, {
    table: 'filter',
    chain: 'FORWARD',
    spec: ['-o', host, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  });
  return lease;
}

/**
 * Removes what setupNat made; safe to repeat, and after a crash. The link and
 * rules carry only the id: they are left alone while a container of the same
 * id under another --root holds them (its setup refused this one's).
 */
export async function teardownNat(owner: NatOwner): Promise<void> {
  const othersOwn = await withLeases(NAT_DIR, (leases) => {
    release(leases, owner);
    return sharesId(leases, owner);
  });
  if (othersOwn) return;
  await tryRun(['ip', 'link', 'delete', hostLinkName(owner.id)]);
  await deleteRulesOf(owner.id);
}
