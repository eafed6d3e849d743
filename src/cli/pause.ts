import type { Command } from 'commander';
import { pauseContainer } from '../container/pause';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('pause')
    .description("freeze the container's whole VM")
    .argument('<container-id>')
    .action(async (id: string) => pauseContainer(context().store, id, true));
  program
    .command('resume')
    .description("thaw a paused container's VM")
    .argument('<container-id>')
    .action(async (id: string) => pauseContainer(context().store, id, false));
}
