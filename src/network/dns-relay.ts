/**
 * Which DNS server the guest reaches through the monitor. Docker points the
 * resolv.conf of containers on user-defined networks at its embedded server,
 * 127.0.0.11, which exists only in the container's namespace on the host, not
 * in the guest. When the resolv.conf the container gets names a loopback
 * server, the guest's init answers on that address and relays each query over
 * the agent channel to the monitor, which asks the server in the namespace.
 */
import fs from 'node:fs';
import type { Spec } from '../oci/spec';

const MAX_RESOLV_CONF = 64 * 1024;

/** Where Docker's embedded DNS server answers in a container's namespace. */
export const DOCKER_EMBEDDED_DNS = '127.0.0.11';

/**
 * The server the monitor relays to. It starts before Docker's network hook
 * runs, and that hook is what points resolv.conf at the embedded server, so
 * at `create` the file usually still names the host's servers: the monitor
 * gets the embedded server's address, and `start`, after the hook, decides
 * whether the guest relays at all (dnsRelayFor then).
 */
export function monitorDnsRelay(spec: Spec): string {
  return dnsRelayFor(spec) ?? DOCKER_EMBEDDED_DNS;
}

/** The first nameserver of a resolv.conf text that is in 127.0.0.0/8. */
export function loopbackNameserver(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(127\.\d{1,3}\.\d{1,3}\.\d{1,3})\s*$/.exec(line);
    if (m && m[1].split('.').every((p) => Number(p) <= 255)) return m[1];
  }
  return undefined;
}

/** The relay address for a container, from the resolv.conf its spec mounts, if any. */
export function dnsRelayFor(spec: Spec): string | undefined {
  const mount = spec.mounts?.find((m) => m.destination === '/etc/resolv.conf' && m.source);
  if (!mount?.source) return undefined;
  let text: string;
  try {
    const fd = fs.openSync(mount.source, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(MAX_RESOLV_CONF);
      text = buf.subarray(0, fs.readSync(fd, buf)).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // guest-mounts.ts reports an unreadable resolv.conf with its own context.
    return undefined;
  }
  return loopbackNameserver(text);
}
