import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { containerPids } from '../container/ps';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('ps')
    .description('list the host processes of a container (its monitor and VMM)')
    .argument('<container-id>')
    .argument('[ps-args...]', 'arguments for ps(1) in table format')
    .option('-f, --format <format>', 'table or json', 'table')
    .action((id: string, psArgs: string[], opts) => {
      const pids = containerPids(context().store, id);
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(pids)}\n`);
        return;
      }
      const args = [...(psArgs.length > 0 ? psArgs : ['-f']), '-p', pids.join(',')];
      process.stdout.write(execFileSync('ps', args, { encoding: 'utf8' }));
    });
}
