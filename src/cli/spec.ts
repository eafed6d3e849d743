import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DockFireError } from '../errors';
import { defaultSpec } from '../oci/default-spec';

export function register(program: Command): void {
  program
    .command('spec')
    .description('write a default config.json into the bundle')
    .option('-b, --bundle <dir>', 'bundle directory', '.')
    .option('--rootless', 'accepted for runc compatibility; not supported')
    .action((opts) => {
      if (opts.rootless) throw new DockFireError('rootless containers are not supported');
      const file = path.join(opts.bundle, 'config.json');
      if (fs.existsSync(file)) throw new DockFireError(`File ${file} exists. Remove it first`);
      fs.writeFileSync(file, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
    });
}
