import type { Command } from 'commander';
import { ociState } from '../state/status';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('state')
    .description('print the OCI state of a container')
    .argument('<container-id>')
    .action((id: string) => {
      const state = context().store.read(id);
      process.stdout.write(`${JSON.stringify(ociState(state), null, 2)}\n`);
    });
}
