import type { Command } from 'commander';
import { killContainer, parseSignal } from '../container/kill';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('kill')
    .description('send a signal to the container process (default SIGTERM)')
    .argument('<container-id>')
    .argument('[signal]', 'signal name or number', 'SIGTERM')
    .option('-a, --all', 'send the signal to every process in the container')
    .action(async (id: string, signal: string, opts) => {
      await killContainer(context().store, id, parseSignal(signal), opts.all ?? false);
    });
}
