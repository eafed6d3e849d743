/**
 * The container's root drives. With the per-image cache: the image's shared
 * read-only base (cache.ts) plus a small empty ext4 layer of the container's
 * own, which the guest init stacks as an overlay (upper on the layer, lower
 * on the base). Both are plain raw files, so QEMU and Firecracker take them
 * alike. Without the cache (turned off, or a rootfs it cannot share): one
 * writable drive holding a copy of the rootfs, as before.
 */
import path from 'node:path';
import { logger } from '../log/logger';
import { linkBase, evict } from './cache';
import { buildDrive, makeExt4Sync } from './drive';
import { imageKey } from './image-key';

export const BASE_FILE = 'base.ext4';
export const LAYER_FILE = 'layer.ext4';
export const DRIVE_FILE = 'rootfs.ext4';

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
  const layer = path.join(o.containerDir, LAYER_FILE);
  makeExt4Sync({ image: layer, mib: o.fixedMiB ?? o.freeMiB });
  logger().debug({ id: o.id, key, built: base.built }, 'root drives ready');

  if (base.built) {
    const evicted = await evict(o.imageDir, o.cacheMiB);
    if (evicted.length > 0) logger().debug({ evicted }, 'rootfs cache trimmed');
  }
  return { image: { path: base.path, readonly: true }, layer };
}
