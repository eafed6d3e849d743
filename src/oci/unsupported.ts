/**
 * Refuses config.json settings that a microVM cannot honour. Ignoring one
 * would silently change what the container does, so each gets a one-line
 * error that says what to use instead.
 *
 * Accepted but not enforced, because the VM boundary replaces them (see
 * docs/limitations.md): seccomp, AppArmor and SELinux labels, OOM score.
 */
import fs from 'node:fs';
import { DockFireError } from '../errors';
import type { Spec } from './spec';

const REQUIRED_NAMESPACES: Record<string, string> = {
  network:
    '--network host is not supported: a microVM has its own network stack; ' +
    'use a Docker network or --network none',
  pid: '--pid host is not supported: the container runs in its own guest kernel',
  ipc: '--ipc host is not supported: the container runs in its own guest kernel',
  uts: '--uts host is not supported: the container runs in its own guest kernel',
  mount: 'config.json must give the container its own mount namespace',
};

/**
 * True when two namespace files name the same namespace. Docker's host mode
 * passes a path; the runtime itself runs in the host's netns.
 */
function sameNamespace(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

export function refuseUnsupported(spec: Spec): void {
  const linux = spec.linux ?? {};
  const namespaces = linux.namespaces ?? [];

  for (const ns of namespaces) {
    if (ns.type === 'network' && ns.path && sameNamespace(ns.path, '/proc/self/ns/net')) {
      throw new DockFireError(REQUIRED_NAMESPACES.network);
    }
    if (ns.type === 'network' && ns.path) {
      throw new DockFireError(
        `joining another network namespace (${ns.path}; --network container:NAME) is not ` +
          'supported: a microVM has a network stack of its own; put both containers on ' +
          'one Docker network instead',
      );
    }
    if (ns.path) {
      throw new DockFireError(
        `joining an existing ${ns.type} namespace (${ns.path}) is not supported: ` +
          "a microVM cannot share another container's or the host's kernel namespaces",
      );
    }
    if (ns.type === 'user') {
      throw new DockFireError(
        'user namespaces (userns-remap, rootless) are not supported yet by dock-fire',
      );
    }
  }
  for (const [type, message] of Object.entries(REQUIRED_NAMESPACES)) {
    if (!namespaces.some((ns) => ns.type === type)) throw new DockFireError(message);
  }

  const privileged = (linux.devices?.length ?? 0) > 0 && (linux.maskedPaths?.length ?? 0) === 0;
  if (privileged) {
    throw new DockFireError(
      '--privileged is not supported: host devices cannot be passed into a microVM',
    );
  }
  if (spec.process?.oomScoreAdj) {
    throw new DockFireError(
      '--oom-score-adj is not supported yet by dock-fire: the process runs in its own guest kernel',
    );
  }
  if (linux.devices && linux.devices.length > 0) {
    const paths = linux.devices.map((d) => d.path).join(', ');
    throw new DockFireError(`host devices (--device ${paths}) cannot be passed into a microVM`);
  }
  if ('uidMappings' in linux || 'gidMappings' in linux) {
    throw new DockFireError('uid/gid mappings are not supported yet by dock-fire');
  }
}
