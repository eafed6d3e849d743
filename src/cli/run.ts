import type { Command } from 'commander';
import { deleteContainer } from '../container/delete';
import { startContainer } from '../container/start';
import type { Context } from './context';
import { createFromOptions, withCreateOptions } from './create';

export function register(program: Command, context: () => Context): void {
  withCreateOptions(
    program.command('run').description('create and start a container, wait for it and delete it'),
  )
    .option('-d, --detach', 'return once the container has started')
    .option('--keep', 'do not delete the container after it exits')
    .action(async (id: string, opts) => {
      const ctx = context();
      // In the foreground the monitor stays this process's child: its exit
      // status is the container's.
      const monitor = await createFromOptions(ctx, id, opts, Boolean(opts.detach));
      try {
        await startContainer(ctx.store, ctx.settings, id);
      } catch (err) {
        await deleteContainer(ctx.store, id, true);
        throw err;
      }
      if (opts.detach || !monitor.exited) return;

      const code = await monitor.exited;
      if (!opts.keep) await deleteContainer(ctx.store, id, true);
      process.exitCode = code;
    });
}
