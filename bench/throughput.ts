/**
 * stdout throughput guest -> host: the container writes 200 MiB through
 * `cat` to its stdout, which is a pipe this process drains; timed from
 * `start` to end of file on the pipe.
 */
import { spawn } from 'node:child_process';
import type { Runtime } from './bundle';
import { must, run } from './exec';

export const THROUGHPUT_MIB = 200;
export const THROUGHPUT_ARGS = [
  'sh',
  '-c',
  `dd if=/dev/zero bs=65536 count=${THROUGHPUT_MIB * 16} 2>/dev/null | cat`,
];

/** MiB/s for one run; the bundle's process must be THROUGHPUT_ARGS. */
export async function stdoutThroughput(rt: Runtime, bundle: string): Promise<number> {
  const id = `bench-tput-${process.pid}`;
  try {
    const create = spawn(rt.argv[0], [...rt.argv.slice(1), 'create', '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let bytes = 0;
    let t0 = 0n;
    const eof = new Promise<number>((resolve, reject) => {
      create.stdout.on('data', (b: Buffer) => (bytes += b.length));
      create.stdout.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      create.stdout.on('error', reject);
    });
    const code = await new Promise((resolve) => create.on('exit', resolve));
    if (code !== 0) throw new Error(`${rt.name} create exited ${code}`);
    t0 = process.hrtime.bigint();
    await must([...rt.argv, 'start', id], 120_000);
    const ms = await eof;
    if (bytes !== THROUGHPUT_MIB * 1024 * 1024) {
      throw new Error(`${rt.name}: ${bytes} bytes of output, not ${THROUGHPUT_MIB} MiB`);
    }
    return THROUGHPUT_MIB / (ms / 1000);
  } finally {
    await run([...rt.argv, 'delete', '--force', id]);
  }
}
