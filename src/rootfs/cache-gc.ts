/**
 * The rootfs area's collector for `dock-fire gc`: base drives no container
 * uses (their link count is 1) and temp files of builds that died.
 */
import fs from 'node:fs';
import type { Settings } from '../config/settings';
import { listBases, removeUnused, staleTemps } from './cache';

export interface Collected {
  /** One line per removed thing, for the user. */
  removed: string[];
  bytes: number;
}

export async function collectRootfsCache(settings: Settings): Promise<Collected> {
  const removed: string[] = [];
  let bytes = 0;
  for (const temp of staleTemps(settings.imageDir)) {
    bytes += fs.statSync(temp).blocks * 512;
    fs.rmSync(temp, { force: true });
    removed.push(`unfinished base drive ${temp}`);
  }
  for (const base of listBases(settings.imageDir).filter((b) => !b.inUse)) {
    if (await removeUnused(base.path)) {
      bytes += base.bytes;
      removed.push(`unused base drive ${base.path}`);
    }
  }
  return { removed, bytes };
}
