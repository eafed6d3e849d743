/**
 * Reads what Docker (or anyone) put into a container's network namespace:
 * its interfaces with their MAC, MTU and addresses, and the routes through
 * them. The guest's eth0 is configured from this at `start`.
 */
import { z } from 'zod';
import { DockFireError } from '../errors';
import type { GuestNetwork } from '../agent/network-spec';
import { run } from './command';

const addrSchema = z.array(
  z.object({
    ifname: z.string(),
    link_type: z.string().optional(),
    address: z.string().optional(),
    mtu: z.number().int().optional(),
    addr_info: z
      .array(
        z.object({
          family: z.string(),
          local: z.string().optional(),
          prefixlen: z.number().int(),
          scope: z.string().optional(),
        }),
      )
      .default([]),
  }),
);

const routeSchema = z.array(
  z.object({
    dst: z.string(),
    gateway: z.string().optional(),
    dev: z.string().optional(),
    type: z.string().optional(),
    protocol: z.string().optional(),
  }),
);

export interface NetnsLink {
  name: string;
  mac: string;
  mtu: number;
  addresses: GuestNetwork['addresses'];
}

function parseJson<S extends z.ZodTypeAny>(text: string, schema: S, what: string): z.infer<S> {
  try {
    return schema.parse(JSON.parse(text || '[]'));
  } catch (err) {
    throw new DockFireError(`unexpected output of ${what}: ${(err as Error).message}`);
  }
}

/** The ethernet links of `ip -j address show` output, except the ones named in skip. */
export function parseLinks(json: string, skip: string[] = []): NetnsLink[] {
  return parseJson(json, addrSchema, 'ip address show')
    .filter((l) => l.link_type === 'ether' && !skip.includes(l.ifname))
    .map((l) => ({
      name: l.ifname,
      mac: l.address ?? '',
      mtu: l.mtu ?? 1500,
      addresses: l.addr_info
        .filter((a) => a.local && (a.family === 'inet' || a.family === 'inet6'))
        // The guest makes its own link-local address from the same MAC.
        .filter((a) => a.scope !== 'link')
        .map((a) => ({
          family: a.family === 'inet' ? (4 as const) : (6 as const),
          address: a.local as string,
          prefix: a.prefixlen,
        })),
    }));
}

/** Ethernet links of the namespace of pid, except the ones named in skip. */
export async function ethernetLinks(pid: number, skip: string[] = []): Promise<NetnsLink[]> {
  return parseLinks(await run(['ip', '-j', 'address', 'show'], { netnsPid: pid }), skip);
}

/** Splits "10.1.0.0/16" or "default" into destination and prefix length. */
function destination(dst: string, family: 4 | 6): { destination: string; prefix: number } {
  if (dst === 'default') return { destination: family === 4 ? '0.0.0.0' : '::', prefix: 0 };
  const [address, prefix] = dst.split('/');
  return { destination: address, prefix: prefix ? Number(prefix) : family === 4 ? 32 : 128 };
}

/** The unicast routes through dev of `ip -j -4|-6 route show` output. */
export function parseRoutes(json: string, family: 4 | 6, dev: string): GuestNetwork['routes'] {
  const routes: GuestNetwork['routes'] = [];
  for (const r of parseJson(json, routeSchema, 'ip route show')) {
    if (r.dev !== dev || (r.type !== undefined && r.type !== 'unicast')) continue;
    // Each side makes its own link-local route for the interface, and an
    // IPv6 kernel makes the prefix route of each address (metric 256):
    // given again, the guest had it twice (at metric 1024 too).
    if (family === 6 && (r.dst.startsWith('fe80:') || r.protocol === 'kernel')) continue;
    routes.push({ family, ...destination(r.dst, family), gateway: r.gateway });
  }
  return routes;
}

/**
 * Unicast routes of the main table through dev, on-link ones first: a route
 * through a gateway needs the route that reaches the gateway.
 */
export async function routesVia(pid: number, dev: string): Promise<GuestNetwork['routes']> {
  const routes: GuestNetwork['routes'] = [];
  for (const family of [4, 6] as const) {
    const argv = ['ip', '-j', `-${family}`, 'route', 'show', 'table', 'main'];
    routes.push(...parseRoutes(await run(argv, { netnsPid: pid }), family, dev));
  }
  return [...routes.filter((r) => !r.gateway), ...routes.filter((r) => r.gateway)];
}
