import type { Command } from 'commander';
import { currentStatus } from '../state/status';
import type { Context } from './context';

export function register(program: Command, context: () => Context): void {
  program
    .command('list')
    .alias('ls')
    .description('list containers')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('-q, --quiet', 'print only container ids')
    .action((opts) => {
      const store = context().store;
      const rows = store.list().map((id) => {
        const state = store.read(id);
        const status = currentStatus(state);
        return {
          ociVersion: state.ociVersion,
          id,
          pid: status === 'stopped' ? 0 : state.pid,
          status,
          bundle: state.bundle,
          rootfs: state.rootfs,
          created: state.created,
          owner: 'root',
        };
      });
      if (opts.quiet) {
        for (const row of rows) process.stdout.write(`${row.id}\n`);
      } else if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
      } else {
        const lines = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
        for (const r of rows) {
          lines.push([r.id, String(r.pid), r.status, r.bundle, r.created, r.owner]);
        }
        const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
        for (const l of lines) {
          process.stdout.write(
            `${l
              .map((c, i) => c.padEnd(widths[i]))
              .join('   ')
              .trimEnd()}\n`,
          );
        }
      }
    });
}
