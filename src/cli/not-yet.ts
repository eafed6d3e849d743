/**
 * Verbs the shim may call that dock-fire does not implement yet. They fail
 * with a clear message instead of pretending to work.
 */
import type { Command } from 'commander';
import { DockFireError } from '../errors';

const PENDING: Record<string, string> = {
  checkpoint: 'checkpointing a container',
  restore: 'restoring a container',
  events: 'container events',
};

export function register(program: Command): void {
  for (const [verb, what] of Object.entries(PENDING)) {
    program
      .command(verb)
      .description(`not supported yet: ${what}`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .argument('[args...]')
      .action(() => {
        throw new DockFireError(`${what} is not supported yet by dock-fire`);
      });
  }
}
