/**
 * What a run made outside its own memory, undone however the run ends: each
 * section registers a container, a mount or a path before it makes it and
 * undoes it when done; whatever is still registered is undone at the end of
 * the run, after an error, and on SIGINT or SIGTERM (exit 130 or 143),
 * newest first, so that a mount goes before the directory that holds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from './bundle';
import { reason, run, stopRuns } from './exec';

type Undo = () => Promise<unknown>;

interface Entry {
  what: string;
  undo: Undo;
  /** The undo under way or done: a section's and the final cleanup share it. */
  done?: Promise<unknown>;
}

const registered = new Map<number, Entry>();
let nextKey = 0;
let cleaning: Promise<void> | undefined;
let signalled = false;

function undoOnce(key: number, entry: Entry): Promise<unknown> {
  entry.done ??= entry.undo().finally(() => registered.delete(key));
  return entry.done;
}

/** Registers undo; the function returned runs it (once) and unregisters it. */
export function register(what: string, undo: Undo): () => Promise<void> {
  const key = nextKey++;
  const entry: Entry = { what, undo };
  registered.set(key, entry);
  return async () => {
    await undoOnce(key, entry);
  };
}

/** Undoes everything still registered, newest first; says what it could not undo. */
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (registered.size > 0) {
      const key = Math.max(...registered.keys());
      const entry = registered.get(key)!;
      try {
        await undoOnce(key, entry);
      } catch (err) {
        console.error(`bench: could not remove ${entry.what}: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/** On SIGINT or SIGTERM: stop the commands under way, clean up, exit 128 + the signal. */
export function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (signalled) return;
      signalled = true;
      console.error(`bench: ${signal}: removing what this run made, then exiting`);
      const stopped = cleaning ? Promise.resolve() : stopRuns(10_000);
      void stopped.then(cleanUp).finally(() => process.exit(code));
    });
  }
}

/** True once a signal stopped the run: what the sections measured after it is void. */
export function interrupted(): boolean {
  return signalled;
}

/** Mount points at or below dir, deepest first (/proc/mounts escapes spaces as \040). */
function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) =>
      (line.split(' ')[1] ?? '').replace(/\\(\d{3})/g, (_, o) =>
        String.fromCharCode(parseInt(o, 8)),
      ),
    )
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

async function unmount(mount: string): Promise<void> {
  const r = await run(['umount', mount], { cleanup: true });
  if (r.code !== 0) throw new Error(reason(r));
}

/**
 * Removes dir, first unmounting whatever is mounted below it: rm -rf never
 * goes through a mount (a rootfs overlay's lower layer is a shared cache).
 */
export async function removeTree(dir: string): Promise<void> {
  for (const mount of mountsUnder(path.resolve(dir))) await unmount(mount);
  fs.rmSync(dir, { recursive: true, force: true });
}

export function registerPath(dir: string): () => Promise<void> {
  return register(dir, () => removeTree(dir));
}

export function registerMount(mount: string): () => Promise<void> {
  return register(`the mount on ${mount}`, async () => {
    if (mountsUnder(mount).includes(mount)) await unmount(mount);
  });
}

/** A container of a runtime called directly: `delete --force`, which may find it gone. */
export function registerContainer(rt: Runtime, id: string): () => Promise<void> {
  return register(`container ${id} of ${rt.argv.join(' ')}`, async () => {
    const r = await run([...rt.argv, 'delete', '--force', id], { cleanup: true });
    if (r.code !== 0 && !/does not exist/.test(r.stderr)) throw new Error(reason(r));
  });
}

/** Docker containers by name: `docker rm -f`, which may find them gone (--rm). */
export function registerDocker(names: string[]): () => Promise<void> {
  const what = names.length === 1 ? names[0] : `${names[0]} and ${names.length - 1} more`;
  return register(`Docker container ${what}`, () =>
    run(['docker', 'rm', '-f', ...names], { cleanup: true, timeoutMs: 300_000 }),
  );
}
