/**
 * The guest's network, decided at `start`, when Docker's hook has configured
 * the container's namespace: the namespace's one ethernet link (Docker's
 * veth, or NAT mode's when the namespace is empty and NAT is enabled) is
 * joined to the VMM's TAP, and the guest's eth0 takes the link's MAC, MTU,
 * addresses and routes. With no link the guest has loopback only.
 */
import type { GuestNetwork } from '../agent/network-spec';
import type { Settings } from '../config/settings';
import { DockFireError } from '../errors';
import { logger } from '../log/logger';
import type { NetworkState } from '../state/store';
import { guestResolvConf, HOST_RESOLV_CONF } from './host-dns';
import { ethernetLinks, routesVia } from './inspect';
import { tapName } from './names';
import { setupNat, teardownNat } from './nat';
import { linkTap } from './tap-link';

export interface Connected {
  state: NetworkState;
  /** What the guest's eth0 gets; undefined for loopback only. */
  guest?: GuestNetwork;
  /** NAT mode: the host's resolvers, for a guest that has no resolv.conf of its caller's. */
  resolvConf?: string;
}

export async function connectGuest(
  owner: { id: string; stateDir: string; pid: number },
  settings: Settings,
  dnsRelay: string | undefined,
  /** Called before anything is made outside the namespace, to record it for cleanup. */
  recordMode: (mode: NetworkState['mode']) => void,
): Promise<Connected> {
  const { id, pid } = owner;
  const tap = tapName(id);
  let links = await ethernetLinks(pid, [tap]);
  let mode: NetworkState['mode'] = 'netns';

  if (links.length === 0 && settings.nat) {
    mode = 'nat';
    recordMode(mode);
    try {
      await setupNat(pid, owner, settings.natPool);
    } catch (err) {
      await teardownNat(owner).catch((e) => logger().warn({ id, err: String(e) }, 'NAT cleanup'));
      throw err;
    }
    links = await ethernetLinks(pid, [tap]);
  }
  if (links.length === 0) return { state: { mode: 'none', tap } };
  if (links.length > 1) {
    throw new DockFireError(
      `the container's network namespace has ${links.length} interfaces ` +
        `(${links
          .map((l) => l.name)
          .sort()
          .join(', ')}); a dock-fire guest has one: ` +
        'connect the container to one network',
    );
  }

  const link = links[0];
  const routes = await routesVia(pid, link.name);
  await linkTap(pid, id, link, tap);
  logger().debug({ id, mode, link: link.name, tap }, 'guest network linked');
  return {
    state: { mode, tap },
    guest: { mac: link.mac, mtu: link.mtu, addresses: link.addresses, routes, dnsRelay },
    resolvConf: mode === 'nat' ? nameservers(id) : undefined,
  };
}

function nameservers(id: string): string | undefined {
  const text = guestResolvConf();
  if (text === undefined) {
    logger().warn({ id }, `no resolver of ${HOST_RESOLV_CONF} is reachable from a guest`);
  }
  return text;
}

/** Removes what connectGuest made outside the namespace (the namespace's own die with it). */
export async function disconnectGuest(
  owner: { id: string; stateDir: string },
  state?: NetworkState,
) {
  if (state?.mode === 'nat') await teardownNat(owner);
}
