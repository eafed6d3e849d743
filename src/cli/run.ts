import type { Command } from 'commander';
import { DockFireError } from '../errors';
import { createContainer } from '../container/create';
import { deleteContainer } from '../container/delete';
import { startContainer } from '../container/start';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('run')
    .description('create and start a container, wait for it and delete it')
    .argument('<container-id>')
    .option('-b, --bundle <dir>', 'path to the OCI bundle', '.')
    .option('--pid-file <file>', 'write the container pid to this file')
    .option('-d, --detach', 'return once the container has started')
    .option('--keep', 'do not delete the container after it exits')
    .option('--console-socket <path>', 'unix socket receiving the terminal master')
    .option('--no-pivot', 'accepted for runc compatibility')
    .option('--no-new-keyring', 'accepted for runc compatibility')
    .option('--preserve-fds <n>', 'extra fds to pass (only 0: a VM cannot take host fds)', '0')
    .action(async (id: string, opts) => {
      const ctx = context();
      if (Number(opts.preserveFds) > 0) {
        throw new DockFireError('--preserve-fds: file descriptors cannot be passed into a microVM');
      }
      const monitor = await createContainer(ctx.store, ctx.settings, {
        id,
        bundle: opts.bundle,
        pidFile: opts.pidFile,
        debug: ctx.debug,
      });
      // The monitor exits with the container's status; listen before starting.
      const exited = new Promise<number>((resolve) => {
        monitor.child.on('exit', (code, signal) => {
          resolve(code ?? 128 + (signal ? (require('node:os').constants.signals[signal] ?? 0) : 0));
        });
      });
      try {
        await startContainer(ctx.store, ctx.settings, id);
      } catch (err) {
        await deleteContainer(ctx.store, id, true);
        throw err;
      }
      if (opts.detach) {
        monitor.child.unref();
        return;
      }

      const code = await exited;
      if (!opts.keep) await deleteContainer(ctx.store, id, true);
      process.exitCode = code;
    });
}
