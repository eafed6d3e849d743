/**
 * `dock-fire gc`: removes what no container uses any more. A dispatcher of
 * per-area collectors, each owning its own kind of leftover.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Settings } from '../config/settings';
import { orphanImageDirs } from '../container/image-dirs';
import { collectNetworkGarbage } from '../network/gc';
import { collectRootfsCache, type Collected } from '../rootfs/cache-gc';
import type { Context } from './context';

/** Drives of containers whose state is gone (image-dirs.ts); before the cache, whose bases they hold. */
async function collectContainerDrives(settings: Settings): Promise<Collected> {
  const removed: string[] = [];
  let bytes = 0;
  for (const dir of orphanImageDirs(settings.imageDir)) {
    for (const file of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, file)).blocks * 512;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(`drives of a container whose state is gone ${dir}`);
  }
  return { removed, bytes };
}

const COLLECTORS: { area: string; collect: (settings: Settings) => Promise<Collected> }[] = [
  { area: 'container drives', collect: collectContainerDrives },
  { area: 'rootfs cache', collect: collectRootfsCache },
  { area: 'network', collect: async () => ({ removed: await collectNetworkGarbage(), bytes: 0 }) },
];

export function register(program: Command, context: () => Context): void {
  program
    .command('gc')
    .description(
      'remove what no container uses: drives of containers whose state is lost, ' +
        'unused cached base drives, NAT links, rules and leases',
    )
    .action(async () => {
      const settings = context().settings;
      for (const { area, collect } of COLLECTORS) {
        const { removed, bytes } = await collect(settings);
        for (const line of removed) process.stdout.write(`removed ${line}\n`);
        const freed = bytes > 0 ? `, ${(bytes / 2 ** 20).toFixed(1)} MiB freed` : '';
        process.stdout.write(`${area}: ${removed.length} removed${freed}\n`);
      }
    });
}
