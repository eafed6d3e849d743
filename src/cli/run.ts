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
      if (!opts.detach) forwardSignals(monitor.pid);
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

/**
 * Signals sent to `run` in the foreground go to the container, as with
 * `runc run`: the monitor forwards them to the process (before the process
 * starts, they end the VM). Without this, `timeout` or a closed terminal
 * ended the CLI alone and left the VM running with nobody waiting for it.
 */
function forwardSignals(monitorPid: number): void {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(signal, () => {
      try {
        process.kill(monitorPid, signal);
      } catch {
        // The monitor has exited: run is about to return.
      }
    });
  }
}
