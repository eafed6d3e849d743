/**
 * Finds the container's executable in its rootfs at `create`, so a missing
 * command fails there with runc's message (Docker turns it into exit 127), not
 * after a VM has booted.
 */
import fs from 'node:fs';
import { DockFireError } from '../errors';
import { resolveInRoot } from './resolve';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isExecutableFile(hostPath: string | undefined): boolean {
  if (!hostPath) return false;
  try {
    const st = fs.statSync(hostPath);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function existing(hostPath: string | undefined): boolean {
  return hostPath !== undefined && fs.existsSync(hostPath);
}

/**
 * Throws runc's error when `command` cannot be found. Paths under a mount
 * destination are not checked: their content is not in the rootfs.
 */
export function checkExecutable(
  root: string,
  command: string,
  env: string[],
  mountPoints: string[],
): void {
  const underMount = (p: string) =>
    mountPoints.some((m) => m !== '/' && (p === m || p.startsWith(`${m}/`)));

  if (command.includes('/')) {
    if (underMount(command)) return;
    const hostPath = resolveInRoot(root, command);
    if (!existing(hostPath)) {
      throw new DockFireError(`exec: "${command}": stat ${command}: no such file or directory`, {
        exitCode: 127,
      });
    }
    if (!isExecutableFile(hostPath)) {
      throw new DockFireError(`exec: "${command}": permission denied`, { exitCode: 126 });
    }
    return;
  }

  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of pathVar.split(':')) {
    const candidate = `${dir || '.'}/${command}`;
    if (underMount(candidate) || isExecutableFile(resolveInRoot(root, candidate))) return;
  }
  throw new DockFireError(`exec: "${command}": executable file not found in $PATH`, {
    exitCode: 127,
  });
}
