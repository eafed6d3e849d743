/** IPv4 arithmetic for the NAT pool: addresses as unsigned 32-bit numbers. */
import { DockFireError } from '../errors';

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new DockFireError(`${text} is not an IPv4 address`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr {
  const [address, prefixText] = text.split('/');
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new DockFireError(`${text} is not an IPv4 network such as 10.0.0.0/16`);
  }
  const size = 2 ** (32 - prefix);
  const base = parseIpv4(address);
  if (base % size !== 0) {
    throw new DockFireError(
      `${text} has host bits set (the network is ${formatIpv4(base - (base % size))}/${prefix})`,
    );
  }
  return { base, prefix };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}
