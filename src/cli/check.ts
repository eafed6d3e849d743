import type { Command } from 'commander';
import { checkHost } from '../config/check';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('check')
    .description('report what this host has for dock-fire and what to fix')
    .option('--boot', 'also time a test boot of the guest kernel')
    .action(async (opts) => {
      const ok = await checkHost(context().settings, { boot: opts.boot ?? false });
      if (!ok) process.exitCode = 1;
    });
}
