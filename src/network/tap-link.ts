/**
 * Joins the VMM's TAP device to the namespace's ethernet link (Docker's veth,
 * or NAT mode's) with tc ingress `mirred` redirects both ways: every frame
 * that arrives on one leaves on the other, so the guest, with the link's own
 * MAC and addresses, is the container's network stack.
 *
 * One exception keeps the namespace's own stack usable: Docker's embedded DNS
 * server (127.0.0.11 in the namespace) forwards unknown names upstream from
 * the namespace itself. Its answers come back to the shared address; they
 * stay in the namespace when they come from port 53 to a port of the
 * namespace's ephemeral range, which is moved above the guest's (61440-65535
 * here, 32768-60999 in the guest). ARP is copied to both, so both can reach
 * their neighbours.
 */
import { run } from './command';
import { ownerTag } from './names';

/** Ephemeral ports of the namespace's own stack: one u32 mask, 0xf000. */
export const NETNS_PORT_RANGE = '61440 65535';

function mirredRules(link: string, tap: string): string {
  const dns = (proto: number, prio: number) =>
    `filter add dev ${link} parent ffff: prio ${prio} protocol ip u32 ` +
    `match ip protocol ${proto} 0xff match ip sport 53 0xffff match ip dport 61440 0xf000 ` +
    'flowid ffff:1';
  return [
    `qdisc add dev ${link} ingress`,
    `filter add dev ${link} parent ffff: prio 1 protocol arp u32 match u32 0 0 ` +
      `action mirred egress mirror dev ${tap}`,
    dns(17, 2),
    dns(6, 3),
    `filter add dev ${link} parent ffff: prio 4 protocol all u32 match u32 0 0 ` +
      `action mirred egress redirect dev ${tap}`,
    `qdisc add dev ${tap} ingress`,
    `filter add dev ${tap} parent ffff: prio 1 protocol all u32 match u32 0 0 ` +
      `action mirred egress redirect dev ${link}`,
    '',
  ].join('\n');
}

export async function linkTap(
  pid: number,
  id: string,
  link: { name: string; mtu: number },
  tap: string,
): Promise<void> {
  await run(['ip', '-batch', '-'], {
    netnsPid: pid,
    input: `link set dev ${tap} mtu ${link.mtu} alias ${ownerTag(id)} up\n`,
  });
  await run(['sysctl', '-q', '-w', `net.ipv4.ip_local_port_range=${NETNS_PORT_RANGE}`], {
    netnsPid: pid,
  });
  await run(['tc', '-batch', '-'], { netnsPid: pid, input: mirredRules(link.name, tap) });
}
