import type { Command } from 'commander';
import { deleteContainer } from '../container/delete';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('delete')
    .description('delete a container and everything it holds')
    .argument('<container-id>')
    .option('-f, --force', 'kill a running container first; succeed if it does not exist')
    .action(async (id: string, opts) => {
      await deleteContainer(context().store, id, opts.force ?? false);
    });
}
