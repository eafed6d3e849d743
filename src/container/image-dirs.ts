/**
 * Each container's drives live in `<imageDir>/<id>`, which `delete` removes.
 * A container whose state directory is lost without a `delete` (a host
 * reboot empties /run, where Docker keeps the runtime's state) would leave
 * its drives behind for good, and hold its image's cached base in use. So
 * the directory names its state directory (OWNER_FILE), and `dock-fire gc`
 * removes it once that state directory is gone and no process has a file
 * of it open.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors';

export const OWNER_FILE = 'owner.json';

interface Owner {
  stateDir: string;
}

export function writeOwner(imageDir: string, stateDir: string): void {
  const owner: Owner = { stateDir };
  fs.writeFileSync(path.join(imageDir, OWNER_FILE), JSON.stringify(owner) + '\n', {
    mode: 0o600,
  });
}

function readOwner(dir: string): Owner | undefined {
  try {
    const owner = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    return typeof owner?.stateDir === 'string' && path.isAbsolute(owner.stateDir)
      ? owner
      : undefined;
  } catch {
    return undefined; // not a container's directory (the cache, NAT leases), or older
  }
}

/** The directories under `within` that some process has a file of open. */
function dirsInUse(dirs: string[]): Set<string> {
  const used = new Set<string>();
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const dir = dirs.find((d) => target.startsWith(d + '/'));
      if (dir) used.add(dir);
    }
  }
  return used;
}

/** Container directories whose state directory is gone and that nothing uses. */
export function orphanImageDirs(imageDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(imageDir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const candidates = names
    .map((name) => path.join(imageDir, name))
    .filter((dir) => {
      const owner = readOwner(dir);
      return owner !== undefined && !fs.existsSync(owner.stateDir);
    });
  if (candidates.length === 0) return [];
  const used = dirsInUse(candidates);
  return candidates.filter((dir) => !used.has(dir));
}
