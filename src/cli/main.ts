/**
 * dock-fire: an OCI runtime whose containers run in microVMs. The command
 * line is runc's (DESIGN.md §3): global flags, then one verb per file here.
 */
import { Command, CommanderError } from 'commander';
import { DockFireError } from '../errors';
import { logger, setupLogger } from '../log/logger';
import { Context, type GlobalOptions } from './context';
import { VERBS, verbOf } from './verbs';

function buildProgram(verb: string | undefined): Command {
  const program = new Command('dock-fire');
  let ctx: Context | undefined;
  const context = () => (ctx ??= new Context(program.opts<GlobalOptions>()));

  program
    .description('OCI container runtime: every container in its own microVM')
    .version('0.1.0')
    .option('--root <dir>', 'state directory root', '/run/dock-fire')
    .option('--log <file>', 'log file (default: stderr)')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--debug', 'log routine steps too')
    .option('--systemd-cgroup', 'accepted for runc compatibility')
    .option('--rootless <value>', 'accepted for runc compatibility')
    .option('--criu <path>', 'accepted for runc compatibility')
    // Global flags come before the verb, as Docker passes them; a verb's own
    // options may then stop at its arguments (exec).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .hook('preAction', () => {
      const opts = program.opts<GlobalOptions>();
      setupLogger({
        file: opts.log,
        format: opts.logFormat === 'json' ? 'json' : 'text',
        debug: opts.debug ?? false,
      });
    });

  // Help and unknown verbs need them all; a known verb needs its own only.
  // Two names of one verb (list, ls) share a module; bundled, each require
  // returns a new object for it, so the same register function tells.
  const loaders = verb ? [VERBS[verb]] : Object.values(VERBS);
  for (const register of new Set(loaders.map((load) => load().register))) {
    register(program, context);
  }
  return program;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ').trim();
}

async function main(argv: string[]): Promise<void> {
  // A reader that went away (`dock-fire list | head`) ends the output, as
  // SIGPIPE ends other programs, instead of a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram(verbOf(argv.slice(2)));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return;
      process.stderr.write(`dock-fire: ${oneLine(err.message.replace(/^error: /, ''))}\n`);
      process.exitCode = err.exitCode || 1;
      return;
    }
    const message = oneLine(err instanceof Error ? err.message : String(err));
    logger().error(message);
    if (!program.opts<GlobalOptions>().log) process.stderr.write(`dock-fire: ${message}\n`);
    process.exitCode = err instanceof DockFireError ? err.exitCode : 1;
  }
}

void main(process.argv);
