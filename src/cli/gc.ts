/**
 * `dock-fire gc`: removes what no container uses any more. A dispatcher of
 * per-area collectors, each owning its own kind of leftover.
 */
import type { Command } from 'commander';
import type { Settings } from '../config/settings';
import { collectNetworkGarbage } from '../network/gc';
import { collectRootfsCache, type Collected } from '../rootfs/cache-gc';
import type { Context } from './context';

const COLLECTORS: { area: string; collect: (settings: Settings) => Promise<Collected> }[] = [
  { area: 'rootfs cache', collect: collectRootfsCache },
  { area: 'network', collect: async () => ({ removed: await collectNetworkGarbage(), bytes: 0 }) },
];

export function register(program: Command, context: () => Context): void {
  program
    .command('gc')
    .description(
      'remove what no container uses: unused cached base drives, NAT links, rules and leases',
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
