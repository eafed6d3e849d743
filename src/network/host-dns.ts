/**
 * NAT mode's DNS: a guest without a resolv.conf from its runtime caller (a
 * bundle run without Docker) gets the host's resolvers. A loopback resolver
 * on the host is out of the guest's reach; for systemd-resolved's stub
 * (127.0.0.53) the upstream servers it uses are taken instead, as Docker does.
 */
import fs from 'node:fs';
import { errnoCode } from '../errors';

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
export const RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';
const MAX_SIZE = 64 * 1024;

function readSmall(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length <= MAX_SIZE ? text : undefined;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

const isLoopback = (server: string) => /^127\./.test(server) || server === '::1';

/** The host's resolv.conf with loopback nameservers replaced or dropped; undefined if none is left. */
export function guestResolvConf(
  hostFile = HOST_RESOLV_CONF,
  resolvedFile = RESOLVED_UPSTREAM,
): string | undefined {
  let text = readSmall(hostFile);
  if (text === undefined) return undefined;
  const servers = (t: string) =>
    t.split('\n').flatMap((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? []);
  if (servers(text).includes('127.0.0.53')) text = readSmall(resolvedFile) ?? text;

  const kept = text
    .split('\n')
    .filter((l) => !/^\s*nameserver\s/.test(l) || !isLoopback(servers(l)[0]));
  if (servers(kept.join('\n')).length === 0) return undefined;
  return kept.join('\n');
}
