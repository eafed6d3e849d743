/**
 * Encodes the network records of a container START (docs/protocol.md,
 * "Network records"): the guest's eth0 gets the MAC, MTU, addresses and
 * routes Docker gave the container's eth0, and optionally a DNS relay on a
 * loopback address. Everything is validated here, so a bad value fails
 * `start` on the host with its reason rather than in the guest.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DockFireError } from '../errors';
import { SpecTag, encodeRecord } from './process-spec';

export interface GuestNetwork {
  /** "02:42:ac:11:00:02" */
  mac: string;
  mtu: number;
  addresses: { family: 4 | 6; address: string; prefix: number }[];
  routes: { family: 4 | 6; destination: string; prefix: number; gateway?: string }[];
  /** IPv4 in 127.0.0.0/8 the guest's relay listens on. */
  dnsRelay?: string;
}

/** The bounds init enforces (DF_NET_MAX_ADDRS, DF_NET_MAX_ROUTES). */
export const MAX_ADDRESSES = 16;
export const MAX_ROUTES = 32;

function invalid(what: string): DockFireError {
  return new DockFireError(`invalid guest network: ${what}`);
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** 16 bytes of an IPv6 address (with "::" and a trailing dotted quad). */
function ipv6Bytes(text: string): Buffer {
  const words = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups[groups.length - 1];
    if (!last.includes('.')) return groups.map((g) => parseInt(g, 16));
    const v4 = ipv4Bytes(last);
    return [
      ...groups.slice(0, -1).map((g) => parseInt(g, 16)),
      v4.readUInt16BE(0),
      v4.readUInt16BE(2),
    ];
  };
  const [head, tail] = text.split('::');
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, 2 * i));
  return out;
}

/** The address's bytes, after checking it is a plain address of family. */
function addressBytes(family: number, text: string, what: string): Buffer {
  if (family === 4 && isIPv4(text)) return ipv4Bytes(text);
  if (family === 6 && isIPv6(text) && !text.includes('%')) return ipv6Bytes(text);
  throw invalid(`${what} "${text}" is not an IPv${family} address`);
}

function checkFamily(family: number, what: string): void {
  if (family !== 4 && family !== 6) throw invalid(`${what} has family ${family}, not 4 or 6`);
}

function checkPrefix(family: number, prefix: number, what: string): void {
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw invalid(`${what} has prefix length ${prefix}, not 0..${max}`);
  }
}

/** True when a bit past the prefix is set: a host, not a network. */
function hasHostBits(bytes: Buffer, prefix: number): boolean {
  return bytes.some((byte, i) => {
    const kept = Math.min(8, Math.max(0, prefix - 8 * i));
    return (byte & (0xff >> kept)) !== 0;
  });
}

function linkRecord(mac: string, mtu: number): Buffer {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw invalid(`MAC "${mac}" is malformed`);
  const bytes = Buffer.from(mac.replace(/:/g, ''), 'hex');
  if ((bytes[0] & 1) !== 0 || bytes.every((b) => b === 0)) {
    throw invalid(`MAC "${mac}" is not a unicast address`);
  }
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
    throw invalid(`MTU ${mtu} is not in 68..65535`);
  }
  const value = Buffer.alloc(10);
  bytes.copy(value, 0);
  value.writeUInt32LE(mtu, 6);
  return encodeRecord(SpecTag.NetLink, value);
}

function addressRecord(a: GuestNetwork['addresses'][number]): Buffer {
  const what = `address ${a.address}/${a.prefix}`;
  checkFamily(a.family, what);
  checkPrefix(a.family, a.prefix, what);
  const bytes = addressBytes(a.family, a.address, 'address');
  return encodeRecord(SpecTag.NetAddr, Buffer.concat([Buffer.from([a.family, a.prefix]), bytes]));
}

function routeRecord(r: GuestNetwork['routes'][number]): Buffer {
  const what = `route to ${r.destination}/${r.prefix}`;
  checkFamily(r.family, what);
  checkPrefix(r.family, r.prefix, what);
  const destination = addressBytes(r.family, r.destination, 'route destination');
  if (hasHostBits(destination, r.prefix)) throw invalid(`${what} has bits set past its prefix`);
  // All zero means on-link, as the protocol says.
  const gateway =
    r.gateway === undefined
      ? Buffer.alloc(destination.length)
      : addressBytes(r.family, r.gateway, 'route gateway');
  const head = Buffer.from([r.family, r.prefix]);
  return encodeRecord(SpecTag.NetRoute, Buffer.concat([head, destination, gateway]));
}

function dnsRelayRecord(address: string): Buffer {
  if (!isIPv4(address) || !address.startsWith('127.')) {
    throw invalid(`DNS relay address "${address}" is not an IPv4 address in 127.0.0.0/8`);
  }
  return encodeRecord(SpecTag.DnsRelay, ipv4Bytes(address));
}

/** TLV records to append to a container START spec (validates, throws DockFireError). */
export function encodeNetwork(net: GuestNetwork): Buffer {
  if (net.addresses.length > MAX_ADDRESSES) {
    throw invalid(`${net.addresses.length} addresses, over the limit of ${MAX_ADDRESSES}`);
  }
  if (net.routes.length > MAX_ROUTES) {
    throw invalid(`${net.routes.length} routes, over the limit of ${MAX_ROUTES}`);
  }

  const records = [linkRecord(net.mac, net.mtu)];
  for (const a of net.addresses) records.push(addressRecord(a));
  for (const r of net.routes) records.push(routeRecord(r));
  if (net.dnsRelay !== undefined) records.push(dnsRelayRecord(net.dnsRelay));
  return Buffer.concat(records);
}
