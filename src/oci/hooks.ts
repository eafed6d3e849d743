/**
 * Runs OCI hooks with the container's state JSON on stdin (runtime-spec
 * config.md, "POSIX-platform Hooks"). Docker's network setup is a prestart
 * hook that reads the pid from that state to find the network namespace.
 */
import { spawn } from 'node:child_process';
import { DockFireError } from '../errors';
import { logger } from '../log/logger';
import type { Hook } from './spec';

const MAX_HOOK_OUTPUT = 4096;

function runHook(kind: string, hook: Hook, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [argv0, ...args] = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
    const child = spawn(hook.path, args, {
      argv0,
      env: Object.fromEntries(
        (hook.env ?? []).map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]),
      ),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (hook.timeout) {
      timer = setTimeout(() => child.kill('SIGKILL'), hook.timeout * 1000);
    }
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_HOOK_OUTPUT) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(state);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new DockFireError(`${kind} hook ${hook.path}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = signal ? `killed by ${signal}` : `exit status ${code}`;
      const detail = stderr.trim().split('\n').pop() ?? '';
      reject(
        new DockFireError(`${kind} hook ${hook.path} failed: ${why}${detail ? `: ${detail}` : ''}`),
      );
    });
  });
}

export async function runHooks(kind: string, hooks: Hook[] | undefined, state: object) {
  const json = JSON.stringify(state);
  for (const hook of hooks ?? []) {
    logger().debug({ hook: hook.path, kind }, 'running hook');
    await runHook(kind, hook, json);
  }
}
