/**
 * Names of what networking creates for a container. Interface names are
 * limited to 15 bytes, so they carry the first characters of the id; the
 * whole id is in the interface's alias and in every iptables rule's comment,
 * which is how `delete` and `gc` find exactly what belongs to a container.
 */
import crypto from 'node:crypto';

const IFNAMSIZ = 15;

function digest(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}

/**
 * prefix + the id when it fits; else prefix + the id's first characters +
 * 4 hex digits of its hash, so that ids sharing a long prefix stay apart.
 */
function ifname(prefix: string, id: string): string {
  const room = IFNAMSIZ - prefix.length;
  const safe = /^[A-Za-z0-9_.-]+$/.test(id);
  if (safe && id.length <= room) return prefix + id;
  const start = safe ? id.slice(0, room - 4) : '';
  return (prefix + start + digest(id)).slice(0, IFNAMSIZ);
}

/** The VMM's TAP device, in the container's network namespace. */
export function tapName(id: string): string {
  return ifname('dft', id);
}

/** NAT mode: the host end of the veth pair whose other end is the namespace's eth0. */
export function hostLinkName(id: string): string {
  return ifname('dfn', id);
}

/** The alias of every interface dock-fire creates, and the comment of every rule. */
export function ownerTag(id: string): string {
  return `dock-fire:${id}`;
}

/** The container id in an alias or comment made by ownerTag, if it is one. */
export function ownerOf(tag: string): string | undefined {
  return tag.startsWith('dock-fire:') ? tag.slice('dock-fire:'.length) : undefined;
}
