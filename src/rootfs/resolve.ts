/**
 * Resolves a path inside a rootfs on the host the way the guest kernel will
 * resolve it inside the container: symlinks are followed, but absolute targets
 * and `..` stay within the root. Used only to read (never write) the image.
 */
import fs from 'node:fs';
import path from 'node:path';

const MAX_SYMLINKS = 40;

/** Returns the host path of `inner` within `root`, or undefined if it does not exist. */
export function resolveInRoot(root: string, inner: string): string | undefined {
  const pending = inner.split('/').filter((c) => c !== '' && c !== '.');
  const resolved: string[] = [];
  let links = 0;

  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, component);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(candidate);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(component);
      continue;
    }
    if (++links > MAX_SYMLINKS) return undefined;
    const target = fs.readlinkSync(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  return path.join(root, ...resolved);
}
