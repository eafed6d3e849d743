import type { Command } from 'commander';
import { checkHost } from '../config/check';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('check')
    .description('report what this host has for dock-fire and what to fix')
    .action(() => {
      const ok = checkHost(context().settings);
      if (!ok) process.exitCode = 1;
    });
}
