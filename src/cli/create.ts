import type { Command } from 'commander';
import { DockFireError } from '../errors';
import { createContainer } from '../container/create';
import type { StartedMonitor } from '../container/monitor';
import type { Context } from './context';

/** The flags `create` shares with `run` (runc's create flags). */
export function withCreateOptions(command: Command): Command {
  return command
    .argument('<container-id>')
    .option('-b, --bundle <dir>', 'path to the OCI bundle', '.')
    .option('--pid-file <file>', 'write the container pid to this file')
    .option('--console-socket <path>', 'unix socket receiving the terminal master')
    .option('--no-pivot', 'accepted for runc compatibility; the guest always pivots')
    .option('--no-new-keyring', 'accepted for runc compatibility')
    .option('--preserve-fds <n>', 'extra fds to pass (only 0: a VM cannot take host fds)', '0')
    .option('--pidfd-socket <path>', 'accepted for runc compatibility');
}

/** Creates the container the parsed create flags describe. */
export function createFromOptions(
  ctx: Context,
  id: string,
  opts: Record<string, string>,
  detach: boolean,
): Promise<StartedMonitor> {
  if (Number(opts.preserveFds) > 0) {
    throw new DockFireError('--preserve-fds: file descriptors cannot be passed into a microVM');
  }
  return createContainer(ctx.store, ctx.settings, {
    id,
    bundle: opts.bundle,
    pidFile: opts.pidFile,
    consoleSocket: opts.consoleSocket,
    detach,
    debug: ctx.debug,
  });
}

export function register(program: Command, context: () => Context): void {
  withCreateOptions(
    program
      .command('create')
      .description('create a container (its VM boots; the process waits for start)'),
  ).action(async (id: string, opts) => {
    // The monitor outlives this command; the shim (a subreaper) adopts it.
    await createFromOptions(context(), id, opts, true);
  });
}
