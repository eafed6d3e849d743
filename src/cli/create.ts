import type { Command } from 'commander';
import { DockFireError } from '../errors';
import { createContainer } from '../container/create';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('create')
    .description('create a container (its VM boots; the process waits for start)')
    .argument('<container-id>')
    .option('-b, --bundle <dir>', 'path to the OCI bundle', '.')
    .option('--pid-file <file>', 'write the container pid to this file')
    .option('--console-socket <path>', 'unix socket receiving the terminal master')
    .option('--no-pivot', 'accepted for runc compatibility; the guest always pivots')
    .option('--no-new-keyring', 'accepted for runc compatibility')
    .option('--preserve-fds <n>', 'extra fds to pass (only 0: a VM cannot take host fds)', '0')
    .option('--pidfd-socket <path>', 'accepted for runc compatibility')
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
      // The monitor outlives this command; the shim (a subreaper) adopts it.
      monitor.child.unref();
    });
}
