import type { Command } from 'commander';
import { startContainer } from '../container/start';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('start')
    .description('start the process of a created container')
    .argument('<container-id>')
    .action(async (id: string) => {
      const ctx = context();
      await startContainer(ctx.store, ctx.settings, id);
    });
}
