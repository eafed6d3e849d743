import fs from 'node:fs';
import type { Command } from 'commander';
import { updateContainer } from '../container/update';
import { DockFireError } from '../errors';
import type { Context } from './context';

/** Far above any real resources document; the input is bounded all the same. */
const MAX_RESOURCES_BYTES = 1024 * 1024;

function readResources(file: string): unknown {
  let text: string;
  try {
    const fd = file === '-' ? 0 : fs.openSync(file, 'r');
    const buf = Buffer.alloc(MAX_RESOURCES_BYTES + 1);
    let len = 0;
    for (let n = -1; n !== 0 && len < buf.length; len += n) {
      n = fs.readSync(fd, buf, len, buf.length - len, null);
    }
    if (fd !== 0) fs.closeSync(fd);
    if (len > MAX_RESOURCES_BYTES) throw new Error(`larger than ${MAX_RESOURCES_BYTES} bytes`);
    text = buf.subarray(0, len).toString('utf8');
  } catch (err) {
    throw new DockFireError(`reading --resources ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DockFireError(`--resources ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

export function register(program: Command, context: () => Context): void {
  program
    .command('update')
    .description("change the container's resource limits (docker update)")
    .argument('<container-id>')
    .option('-r, --resources <file>', 'linux.resources as JSON; - reads stdin')
    .action(async (id: string, opts: { resources?: string }) => {
      if (!opts.resources) {
        throw new DockFireError(
          'dock-fire update takes the new limits as --resources FILE (OCI linux.resources ' +
            "JSON, - for stdin); runc's one-limit flags such as --memory are not supported",
        );
      }
      try {
        await updateContainer(context().store, id, readResources(opts.resources));
      } catch (err) {
        // The shim shows what `update` prints, not log.json: print it too
        // (main prints it itself when there is no --log).
        if (context().global.log) process.stderr.write(`dock-fire: ${(err as Error).message}\n`);
        throw err;
      }
    });
}
