/**
 * The container's root drives. With the per-image cache: the image's shared
 * read-only base (cache.ts) plus a small empty ext4 layer of the container's
 * own, which the guest init stacks as an overlay (upper on the layer, lower
 * on the base). Both are plain raw files, so QEMU and Firecracker take them
 * alike. Without the cache (turned off, or a rootfs it cannot share): one
 * writable drive holding a copy of the rootfs, as before.
 *
 * A container of Docker (or Podman) keeps its layer beside the engine's own
 * per-container layer (`<layer dir>/diff` is the overlay's upperdir), where
 * it lives until the engine removes the container: so what the guest wrote
 * to its root survives `docker stop` + `docker start`, as under runc, and
 * `docker rm` removes it with the engine's directory.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../log/logger';
import { linkBase, evict } from './cache';
import { buildDrive, checkFreeSpace, makeExt4Sync } from './drive';
import { imageKey, overlayAt } from './image-key';

export const BASE_FILE = 'base.ext4';
export const LAYER_FILE = 'layer.ext4';
export const DRIVE_FILE = 'rootfs.ext4';
/** The kept layer and the base key it was made over, beside the engine's `diff`. */
export const KEPT_LAYER_FILE = 'dock-fire-layer.ext4';
const KEPT_KEY_FILE = 'dock-fire-layer.key';

export interface RootDriveOptions {
  id: string;
  rootfs: string;
  /** The container's directory for disk images, already created. */
  containerDir: string;
  /** The settings' image directory, which holds the cache. */
  imageDir: string;
  /** Writable space beyond the image. */
  freeMiB: number;
  /** A fixed size for the writable space (annotation dock-fire.disk-mib). */
  fixedMiB?: number;
  /** The cache's bound; 0 turns the cache off. */
  cacheMiB: number;
  /** false: never keep the layer beside the engine's (tests). */
  keepLayer?: boolean;
}

export interface RootDrives {
  /** The drive holding the image: the shared base (read-only) or the container's copy. */
  image: { path: string; readonly: boolean };
  /** The container's writable layer over a shared base. */
  layer?: string;
}

export async function prepareRootDrives(o: RootDriveOptions): Promise<RootDrives> {
  const key = o.cacheMiB > 0 ? imageKey(o.rootfs) : undefined;
  if (!key) {
    const image = path.join(o.containerDir, DRIVE_FILE);
    const mib = buildDrive({ root: o.rootfs, image, freeMiB: o.freeMiB, fixedMiB: o.fixedMiB });
    logger().debug({ id: o.id, mib, cached: false }, 'root drive built');
    return { image: { path: image, readonly: false } };
  }

  const base = await linkBase(o.imageDir, key, o.rootfs, path.join(o.containerDir, BASE_FILE));
  const keptDir = o.keepLayer === false ? undefined : engineLayerDir(o.rootfs);
  const layerMiB = o.fixedMiB ?? o.freeMiB;
  const layerPath = keptDir
    ? path.join(keptDir, KEPT_LAYER_FILE)
    : path.join(o.containerDir, LAYER_FILE);
  // The layer is sparse: the host must have room for all it may still grow
  // by, or a guest filling it would meet the host's full disk, not its own.
  checkFreeSpace(
    path.dirname(layerPath),
    layerMiB - allocatedMiB(layerPath),
    "the container's writable layer",
  );
  const layer = keptDir ? keptLayer(keptDir, key, layerMiB, o.id) : layerPath;
  if (!keptDir) makeExt4Sync({ image: layer, mib: layerMiB });
  logger().debug({ id: o.id, key, built: base.built, layer }, 'root drives ready');

  if (base.built) {
    const evicted = await evict(o.imageDir, o.cacheMiB);
    if (evicted.length > 0) logger().debug({ evicted }, 'rootfs cache trimmed');
  }
  return { image: { path: base.path, readonly: true }, layer };
}

/** Space a (sparse) file already takes on its file system; 0 when there is none. */
function allocatedMiB(file: string): number {
  try {
    return Math.floor((fs.statSync(file).blocks * 512) / (1024 * 1024));
  } catch {
    return 0;
  }
}

/**
 * The directory of Docker's (or Podman's) own per-container layer when the
 * rootfs is its overlay: the upperdir is `<dir>/diff` beside `<dir>/work`.
 */
export function engineLayerDir(rootfs: string, mountinfo?: string): string | undefined {
  const info = mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const upper = overlayAt(fs.realpathSync(rootfs), info)?.upperdir;
  if (!upper || path.basename(upper) !== 'diff') return undefined;
  const dir = path.dirname(upper);
  return fs.existsSync(path.join(dir, 'work')) ? dir : undefined;
}

/**
 * The layer kept in dir: reused when it was made over the same base, after
 * a check (the VM may have been killed mid-write: the layer has no journal),
 * else made anew. A layer the check cannot repair is made anew, logged.
 */
function keptLayer(dir: string, key: string, mib: number, id: string): string {
  const layer = path.join(dir, KEPT_LAYER_FILE);
  const keyFile = path.join(dir, KEPT_KEY_FILE);
  let reuse = false;
  try {
    reuse = fs.readFileSync(keyFile, 'utf8') === key && fs.statSync(layer).isFile();
  } catch {
    reuse = false;
  }
  if (reuse) {
    // 0: clean, 1: errors fixed; anything else: not repaired.
    const check = spawnSync('e2fsck', ['-f', '-p', layer], { stdio: 'ignore', timeout: 120_000 });
    if (check.status === 0 || check.status === 1) return layer;
    logger().warn(
      { id, layer, status: check.status },
      "the container's kept root layer could not be repaired; starting from the image",
    );
  }
  fs.rmSync(keyFile, { force: true });
  makeExt4Sync({ image: layer, mib });
  fs.writeFileSync(keyFile, key);
  return layer;
}
