/**
 * Names the image a rootfs was made from, for the per-image drive cache. Two
 * rootfs get the same key only if a base drive made from one serves the other.
 *
 * Docker's rootfs is an overlay mount: `lowerdir` lists the image's layers
 * (immutable, each named by its directory and identified by inode and ctime)
 * above Docker's per-container init layer (`<id>-init`, a few placeholder
 * files, keyed by its content), and `upperdir` is the container's own layer,
 * which must hold nothing but directories (mount points Docker made) for the
 * base to be shared. Any other rootfs is keyed by a walk of every entry's
 * metadata: O(files), but reads no file data.
 * Limitation: a plain directory (a bundle made by hand, not by Docker) pays
 * that walk at every create; a container layer holding files (a restarted
 * container) gets a private copy. Lifted by a key the caller vouches for
 * (an annotation naming the image) and by copying the upper layer into the
 * container's own layer instead of the base.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Bumped whenever a base drive's format changes, so old bases are not reused. */
export const BASE_FORMAT = 'ext4-v1';
/** The most content of small per-container layers (init layer) hashed into a key. */
const MAX_HASHED_BYTES = 4 * 1024 * 1024;

export interface OverlayMount {
  lowerdirs: string[];
  upperdir?: string;
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The overlay mounted on dir, from /proc/self/mountinfo text; undefined if none. */
export function overlayAt(dir: string, mountinfo: string): OverlayMount | undefined {
  let found: OverlayMount | undefined;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right || unescapeMount(left.split(' ')[4] ?? '') !== dir) continue;
    const [fstype, , options] = right.split(' ');
    if (fstype !== 'overlay') {
      found = undefined;
      continue;
    }
    const opts = new Map(
      (options ?? '').split(',').map((o) => [o.split('=')[0], o.slice(o.indexOf('=') + 1)]),
    );
    const lower = opts.get('lowerdir');
    if (!lower) return undefined;
    found = {
      lowerdirs: lower.split(':').map(unescapeMount),
      upperdir: opts.has('upperdir') ? unescapeMount(opts.get('upperdir')!) : undefined,
    };
  }
  return found;
}

type Visit = (rel: string, st: fs.BigIntStats, full: string) => void;

function walk(root: string, visit: Visit, rel = ''): void {
  const full = path.join(root, rel);
  const st = fs.lstatSync(full, { bigint: true });
  visit(rel, st, full);
  if (!st.isDirectory()) return;
  for (const name of fs.readdirSync(full).sort()) walk(root, visit, path.join(rel, name));
}

function describe(rel: string, st: fs.BigIntStats, full: string): string {
  const link = st.isSymbolicLink() ? fs.readlinkSync(full) : '';
  return `${rel}\0${st.mode}\0${st.uid}\0${st.gid}\0${st.size}\0${st.rdev}\0${link}\n`;
}

/** A small layer's content: entries, metadata and file data (bounded). */
function contentDigest(dir: string, hash: crypto.Hash): boolean {
  let bytes = 0;
  let ok = true;
  walk(dir, (rel, st, full) => {
    hash.update(describe(rel, st, full));
    if (!st.isFile()) return;
    bytes += Number(st.size);
    if (bytes > MAX_HASHED_BYTES) ok = false;
    else hash.update(fs.readFileSync(full));
  });
  return ok;
}

/** True when the container's own layer holds only directories. */
function onlyDirectories(dir: string, hash: crypto.Hash): boolean {
  let ok = true;
  walk(dir, (rel, st, full) => {
    if (!st.isDirectory()) ok = false;
    hash.update(describe(rel, st, full));
  });
  return ok;
}

function overlayKey(overlay: OverlayMount): string | undefined {
  const hash = crypto.createHash('sha256').update(`${BASE_FORMAT}\noverlay\n`);
  for (const lower of overlay.lowerdirs) {
    const real = fs.realpathSync(lower);
    if (path.basename(path.dirname(real)).endsWith('-init')) {
      hash.update(`init\n`);
      if (!contentDigest(real, hash)) return undefined;
      continue;
    }
    const st = fs.statSync(real, { bigint: true });
    hash.update(`layer\0${real}\0${st.dev}\0${st.ino}\0${st.ctimeNs}\n`);
  }
  if (overlay.upperdir) {
    hash.update('upper\n');
    if (!onlyDirectories(overlay.upperdir, hash)) return undefined;
  }
  return hash.digest('hex');
}

function treeKey(root: string): string {
  const hash = crypto.createHash('sha256').update(`${BASE_FORMAT}\ntree\n`);
  walk(root, (rel, st, full) => {
    hash.update(describe(rel, st, full));
    hash.update(`${st.dev}\0${st.ino}\0${st.mtimeNs}\0${st.ctimeNs}\n`);
  });
  return hash.digest('hex');
}

/**
 * The cache key of a rootfs directory, or undefined when its content cannot
 * be shared (a container layer with files in it, a large init layer).
 */
export function imageKey(rootfs: string, mountinfo?: string): string | undefined {
  const real = fs.realpathSync(rootfs);
  const info = mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const overlay = overlayAt(real, info);
  return overlay ? overlayKey(overlay) : treeKey(real);
}
