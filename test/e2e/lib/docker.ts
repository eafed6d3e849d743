/**
 * Helpers for end-to-end tests through the real chain: docker CLI ->
 * dockerd -> containerd -> shim -> dock-fire -> monitor -> VMM -> guest.
 * test.sh has installed dock-fire and started dockerd before these run.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The runtime under test: the installed one, or a checkout's (scripts/dev-runtime.sh). */
export const RUNTIME = process.env.DOCK_FIRE_TEST_RUNTIME || 'dock-fire';
export const IMAGE = 'dock-fire-test:latest';
const REPO = path.join(__dirname, '..', '..', '..', '..');

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<Buffer>): Result {
  if (r.error) throw r.error;
  return {
    status: r.status ?? 128 + (r.signal ? 9 : 0),
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
  };
}

/** Runs a command with a bounded time; input is piped to its stdin when given. */
export function sh(argv: string[], options: { input?: Buffer | string; timeoutMs?: number } = {}) {
  return result(
    spawnSync(argv[0], argv.slice(1), {
      input: options.input ?? '',
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
}

export function docker(
  args: string[],
  options: { input?: Buffer | string; timeoutMs?: number } = {},
) {
  return sh(['docker', ...args], options);
}

/** `docker run --runtime=dock-fire --rm IMAGE ...` with extra docker flags before the image. */
export function run(flags: string[], command: string[], input?: string | Buffer): Result {
  return runWith(RUNTIME, flags, command, input);
}

/** The same under another runtime, such as runc, to compare with. */
export function runWith(
  runtime: string,
  flags: string[],
  command: string[],
  input?: string | Buffer,
): Result {
  return docker(['run', `--runtime=${runtime}`, '--rm', ...flags, IMAGE, ...command], { input });
}

/** `docker run -d --runtime=dock-fire IMAGE ...command`: the new container's id. */
export function detached(command: string[], flags: string[] = []): string {
  // Docker keeps a container whose start failed: its id, to remove it then.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-cid-'));
  const cidfile = path.join(dir, 'cid');
  try {
    const argv = ['run', '-d', `--cidfile=${cidfile}`, `--runtime=${RUNTIME}`, ...flags];
    const r = docker([...argv, IMAGE, ...command]);
    if (r.status !== 0) {
      if (fs.existsSync(cidfile)) docker(['rm', '-f', fs.readFileSync(cidfile, 'utf8').trim()]);
      throw new Error(`docker run -d: ${r.stderr}`);
    }
    return r.stdout.trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds (once per run) the busybox test image, with the repo's own script. */
export function ensureImage(name = IMAGE): void {
  if (docker(['image', 'inspect', name]).status === 0) return;
  const r = sh([path.join(REPO, 'scripts', 'make-image.sh'), name]);
  if (r.status !== 0) throw new Error(`building ${name}: ${r.stderr}`);
}

/** Imports a rootfs directory as an image, with Dockerfile-style changes. */
export function importImage(name: string, rootDir: string, changes: string[] = []): void {
  const tar = spawnSync('tar', ['-C', rootDir, '-c', '.'], { maxBuffer: 1024 * 1024 * 1024 });
  const args = ['import'];
  for (const c of changes) args.push('--change', c);
  const r = docker([...args, '-', name], { input: tar.stdout });
  if (r.status !== 0) throw new Error(`docker import ${name}: ${r.stderr}`);
}

/** A rootfs directory holding the test image's files, to extend for special images. */
export function busyboxRoot(dir: string): string {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'cat', 'true', 'ls', 'id', 'pwd', 'env', 'hostname']) {
    fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 });
  return dir;
}

/** Reads dock-fire's settings file as the tests' dockerd sees it. */
export const CONFIG_FILE = '/etc/dock-fire/config.json';

/**
 * Runs fn with extra settings merged into the config file, restoring it after.
 * dock-fire reads its settings at every call, so dockerd needs no restart.
 */
export async function withSettings<T>(extra: object, fn: () => T | Promise<T>): Promise<T> {
  const saved = fs.readFileSync(CONFIG_FILE, 'utf8');
  fs.writeFileSync(CONFIG_FILE, JSON.stringify({ ...JSON.parse(saved), ...extra }));
  try {
    return await fn();
  } finally {
    fs.writeFileSync(CONFIG_FILE, saved);
  }
}

/** The guest kernel's release, recorded by install.sh beside the kernel. */
export function guestKernelRelease(): string {
  return fs.readFileSync('/usr/local/lib/dock-fire/vmlinux.release', 'utf8').trim();
}
