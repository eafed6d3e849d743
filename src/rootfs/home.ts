/**
 * HOME for the container's process when config.json does not set it: the
 * user's home from the image's /etc/passwd, else "/", as runc does.
 */
import fs from 'node:fs';
import { resolveInRoot } from './resolve';

const MAX_PASSWD = 1024 * 1024;

export function homeFor(root: string, uid: number): string {
  const file = resolveInRoot(root, '/etc/passwd');
  if (!file) return '/';
  try {
    if (fs.statSync(file).size > MAX_PASSWD) return '/';
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length >= 7 && Number(fields[2]) === uid && fields[5]) return fields[5];
    }
  } catch {
    // An unreadable passwd file means no home, as for a missing one.
  }
  return '/';
}

/** The environment with HOME added when it is missing. */
export function withHome(env: string[], root: string, uid: number): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, `HOME=${homeFor(root, uid)}`];
}
