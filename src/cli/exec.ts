import fs from 'node:fs';
import type { Command } from 'commander';
import { execProcess } from '../container/exec';
import { DockFireError } from '../errors';
import { processSchema, type Process } from '../oci/spec';
import type { Context } from './context';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The process from --process (what the shim passes), or from runc's flags. */
function processFrom(opts: Record<string, any>, args: string[]): Process {
  let raw: any;
  if (opts.process) {
    try {
      raw = JSON.parse(fs.readFileSync(opts.process, 'utf8'));
    } catch (err) {
      throw new DockFireError(`reading --process ${opts.process}: ${(err as Error).message}`);
    }
  } else {
    if (args.length === 0) throw new DockFireError('exec needs a command or --process');
    const [uid, gid] = String(opts.user ?? '0:0')
      .split(':')
      .map(Number);
    raw = {
      args,
      env: opts.env,
      cwd: opts.cwd ?? '/',
      terminal: opts.tty ?? false,
      user: { uid, gid: gid ?? 0, additionalGids: opts.additionalGids.map(Number) },
      noNewPrivileges: opts.newPrivs === false,
    };
  }
  const parsed = processSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DockFireError(`invalid process: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function register(program: Command, context: () => Context): void {
  program
    .command('exec')
    .description('run another process in a running container')
    .argument('<container-id>')
    .argument('[command...]', 'command and arguments (without --process)')
    // As runc: options after the container id belong to the command (`exec ID ls -l`).
    .passThroughOptions()
    .option('-p, --process <file>', 'process.json holding the process to run')
    .option('-d, --detach', 'return once the process has started')
    .option('--pid-file <file>', "write the process's host pid (its monitor) to this file")
    .option('--console-socket <path>', 'unix socket receiving the terminal master')
    .option('-t, --tty', 'allocate a terminal')
    .option('--cwd <dir>', 'working directory')
    .option('-e, --env <var>', 'environment variable (repeatable)', collect, [])
    .option('-u, --user <uid[:gid]>', 'user and group ids')
    .option('-g, --additional-gids <gid>', 'additional group (repeatable)', collect, [])
    .option('--no-new-privs', 'set no_new_privileges')
    .option('--preserve-fds <n>', 'extra fds to pass (only 0: a VM cannot take host fds)', '0')
    .option('--cap <cap>', 'accepted for runc compatibility', collect, [])
    .option('--apparmor <profile>', 'accepted for runc compatibility; not applied in the guest')
    .option('--process-label <label>', 'accepted for runc compatibility; not applied')
    .option('--ignore-paused', 'accepted for runc compatibility')
    .option('--cgroup <path>', 'accepted for runc compatibility')
    .action(async (id: string, args: string[], opts) => {
      const ctx = context();
      if (Number(opts.preserveFds) > 0) {
        throw new DockFireError('--preserve-fds: file descriptors cannot be passed into a microVM');
      }
      const monitor = await execProcess(ctx.store, ctx.settings, {
        id,
        process: processFrom(opts, args),
        pidFile: opts.pidFile,
        consoleSocket: opts.consoleSocket,
        detach: Boolean(opts.detach),
        debug: ctx.debug,
      });
      if (opts.detach || !monitor.exited) return;
      process.exitCode = await monitor.exited;
    });
}
