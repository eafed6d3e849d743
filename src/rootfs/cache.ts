/**
 * The per-image cache of base drives. The first container of an image pays
 * for one `mkfs.ext4 -d` copy of its rootfs into `<imageDir>/.rootfs-cache/
 * <key>.ext4`, a read-only base; every later container of the image gets a
 * hard link to it (O(1) in the image's size) and the VMM attaches it
 * read-only. A base's link count tells whether a container still uses it.
 *
 * Concurrency: a base is built and linked under its key's lock, so
 * concurrent creates of one image build it once, and eviction (which also
 * takes the key's lock) never removes a base between the check and the link.
 * The base is written to a temporary name and renamed into place, so a
 * crashed build leaves no half base behind, only a temp file for `gc`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';
import { errnoCode } from '../errors';
import { checkFreeSpace, driveMiB, measureRootfs, mkfsArgs, mkfsError } from './drive';

export const CACHE_DIR = '.rootfs-cache';
const BASE_SUFFIX = '.ext4';
const TMP_MARK = '.tmp-';
/**
 * A build of a large image can take minutes: waiting creates retry for up to ~10 min.
 * Limitation: the wait polls the lock (proper-lockfile has no blocking lock);
 * only creates racing the first build of an image wait at all.
 */
const BUILD_WAIT = { retries: 1200, minTimeout: 50, maxTimeout: 500 };
const STALE_MS = 60_000;

const execFileAsync = promisify(execFile);

export function cacheDir(imageDir: string): string {
  return path.join(imageDir, CACHE_DIR);
}

async function withKeyLock<T>(
  base: string,
  retries: typeof BUILD_WAIT | 0,
  fn: () => T | Promise<T>,
): Promise<T> {
  const release = await lockfile.lock(base, {
    realpath: false,
    lockfilePath: `${base}.lock`,
    stale: STALE_MS,
    retries,
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

async function buildBase(rootfs: string, base: string): Promise<void> {
  const size = measureRootfs(rootfs);
  // Read-only: room for the content and its inodes, nothing for writes.
  const mib = driveMiB(size, 0);
  checkFreeSpace(path.dirname(base), mib, "the image's base drive");
  const tmp = `${base}${TMP_MARK}${process.pid}`;
  try {
    const args = mkfsArgs({ root: rootfs, image: tmp, mib, inodes: size.inodes + 1024 });
    await execFileAsync('mkfs.ext4', args).catch((err) => {
      throw mkfsError(err);
    });
    // On disk before it has its name: a base is trusted for as long as it exists.
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(tmp, 0o400);
    fs.renameSync(tmp, base);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface CachedBase {
  /** The container's hard link to the base. */
  path: string;
  /** True when this call built the base (a cache miss). */
  built: boolean;
}

/**
 * Links the base drive of rootfs's image (key) to `link`, building it first
 * if the cache has none. The base's mtime records its last use for eviction.
 */
export async function linkBase(
  imageDir: string,
  key: string,
  rootfs: string,
  link: string,
): Promise<CachedBase> {
  const dir = cacheDir(imageDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = path.join(dir, `${key}${BASE_SUFFIX}`);
  return withKeyLock(base, BUILD_WAIT, async () => {
    let built = false;
    if (!fs.existsSync(base)) {
      await buildBase(rootfs, base);
      built = true;
    }
    fs.linkSync(base, link);
    const now = new Date();
    fs.utimesSync(base, now, now);
    return { path: link, built };
  });
}

export interface CacheEntry {
  path: string;
  bytes: number;
  inUse: boolean;
  lastUsedMs: number;
}

/** The cache's file names; none before its first build. */
function cacheNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export function listBases(imageDir: string): CacheEntry[] {
  const dir = cacheDir(imageDir);
  const names = cacheNames(dir);
  const entries: CacheEntry[] = [];
  for (const name of names.filter((n) => n.endsWith(BASE_SUFFIX))) {
    const file = path.join(dir, name);
    try {
      const st = fs.statSync(file);
      const bytes = st.blocks * 512;
      entries.push({ path: file, bytes, inUse: st.nlink > 1, lastUsedMs: st.mtimeMs });
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return entries;
}

/**
 * Removes a base no container uses, under its key's lock; false when it is
 * in use or another process holds the lock (it is then skipped, not waited for).
 */
export async function removeUnused(base: string): Promise<boolean> {
  try {
    return await withKeyLock(base, 0, () => {
      if (fs.statSync(base).nlink > 1) return false;
      fs.rmSync(base);
      return true;
    });
  } catch (err) {
    if (errnoCode(err) === 'ELOCKED' || errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Evicts least recently used unused bases until the cache fits in maxMiB. */
export async function evict(imageDir: string, maxMiB: number): Promise<string[]> {
  const entries = listBases(imageDir);
  let total = entries.reduce((sum, e) => sum + e.bytes, 0);
  const evicted: string[] = [];
  const candidates = entries.filter((e) => !e.inUse).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  for (const entry of candidates) {
    if (total <= maxMiB * 1024 * 1024) break;
    if (await removeUnused(entry.path)) {
      total -= entry.bytes;
      evicted.push(entry.path);
    }
  }
  return evicted;
}

/** Temp files of builds whose process is gone. */
export function staleTemps(imageDir: string): string[] {
  const dir = cacheDir(imageDir);
  const names = cacheNames(dir);
  return names
    .filter((name) => {
      const pid = Number(name.split(TMP_MARK)[1]);
      if (!(pid > 0)) return false;
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    })
    .map((name) => path.join(dir, name));
}
