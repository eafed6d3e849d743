/**
 * stdout throughput guest -> host: the container writes 200 MiB through
 * `cat` to its stdout, which is a pipe this process drains; timed from
 * `start` to end of file on the pipe.
 */
import type { Runtime } from './bundle';
import { registerContainer } from './cleanup';
import { must, spawnTracked } from './exec';

export const THROUGHPUT_MIB = 200;
export const THROUGHPUT_ARGS = [
  'sh',
  '-c',
  `dd if=/dev/zero bs=65536 count=${THROUGHPUT_MIB * 16} 2>/dev/null | cat`,
];

/** MiB/s for one run; the bundle's process must be THROUGHPUT_ARGS. */
export async function stdoutThroughput(rt: Runtime, bundle: string): Promise<number> {
  const id = `bench-tput-${process.pid}`;
  const remove = registerContainer(rt, id);
  try {
    const create = spawnTracked([...rt.argv, 'create', '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let bytes = 0;
    let t0 = 0n;
    const stdout = create.stdout!;
    const eof = new Promise<number>((resolve, reject) => {
      stdout.on('data', (b: Buffer) => (bytes += b.length));
      stdout.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
      stdout.on('error', reject);
    });
    const exit = await new Promise<number | string | null>((resolve) => {
      create.on('exit', resolve);
      create.on('error', (err) => resolve(err.message));
    });
    if (exit !== 0) {
      throw new Error(`${rt.name} create: ${typeof exit === 'string' ? exit : `exit ${exit}`}`);
    }
    t0 = process.hrtime.bigint();
    await must([...rt.argv, 'start', id], 120_000);
    const ms = await eof;
    if (bytes !== THROUGHPUT_MIB * 1024 * 1024) {
      throw new Error(`${rt.name}: ${bytes} bytes of output, not ${THROUGHPUT_MIB} MiB`);
    }
    return THROUGHPUT_MIB / (ms / 1000);
  } finally {
    await remove();
  }
}
