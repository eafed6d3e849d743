import type { Command } from 'commander';
import { collectNetworkGarbage } from '../network/gc';

/** `dock-fire gc`: removes what crashed or vanished containers left behind. */
export function register(program: Command): void {
  program
    .command('gc')
    .description('remove what vanished containers left behind (NAT links, rules, leases)')
    .action(async () => {
      const removed = await collectNetworkGarbage();
      for (const line of removed) process.stdout.write(`removed ${line}\n`);
    });
}
