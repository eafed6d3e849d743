/**
 * Network garbage: what NAT mode made for containers that no longer exist
 * (their state directory is gone, e.g. after a host crash or a kill -9 of the
 * runtime between steps). A container is alive while its lease names an
 * existing state directory; every veth and iptables rule that carries another
 * owner's id is removed, and so are leases of vanished containers.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { run } from './command';
import { deleteRule, ownedRules } from './iptables';
import { ownerOf } from './names';
import { NAT_DIR, withLeases } from './nat-leases';

const linkSchema = z.array(z.object({ ifname: z.string(), ifalias: z.string().optional() }));

export async function collectNetworkGarbage(): Promise<string[]> {
  const removed: string[] = [];
  // No lease directory: NAT mode never ran here, so nothing of it is left
  // (and gc, which only removes, creates nothing).
  if (!fs.existsSync(NAT_DIR)) return removed;
  const live = await withLeases(NAT_DIR, (leases) => {
    for (let i = leases.length - 1; i >= 0; i--) {
      if (fs.existsSync(leases[i].stateDir)) continue;
      removed.push(`NAT lease ${leases[i].subnet} of ${leases[i].id}`);
      leases.splice(i, 1);
    }
    return new Set(leases.map((l) => l.id));
  });

  const links = linkSchema.parse(JSON.parse((await run(['ip', '-j', 'link', 'show'])) || '[]'));
  for (const link of links) {
    const owner = ownerOf(link.ifalias ?? '');
    if (owner === undefined || live.has(owner)) continue;
    await run(['ip', 'link', 'delete', link.ifname]);
    removed.push(`interface ${link.ifname} of ${owner}`);
  }

  for (const rule of await ownedRules()) {
    if (live.has(rule.owner)) continue;
    await deleteRule(rule);
    removed.push(`iptables rule "${rule.words.join(' ')}"`);
  }
  return removed;
}
