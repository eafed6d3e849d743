import type { Command } from 'commander';
import { features } from '../oci/features';

export function register(program: Command): void {
  program
    .command('features')
    .description('print the features this runtime implements (runtime-spec features.md)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(features(), null, 2)}\n`);
    });
}
