/** Builds the guest's process spec (agent/process-spec.ts) from config.json. */
import { parseResources } from '../cgroups/resources';
import { DockFireError } from '../errors';
import type { GuestCaps, GuestProcess, GuestRlimit } from '../agent/process-spec';
import { CAPABILITIES, RLIMITS } from './linux-constants';
import { guestMounts, type HostVolume } from './guest-mounts';
import type { Process, Spec } from './spec';

function capMask(names: string[] | undefined): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const bit = CAPABILITIES.indexOf(name.toUpperCase());
    // Like runc, a capability this kernel does not know is skipped, not fatal.
    if (bit >= 0) mask |= 1n << BigInt(bit);
  }
  return mask;
}

function limitValue(n: number): bigint {
  // JSON cannot carry 2^64-1 exactly; anything that large means unlimited.
  return n >= Number.MAX_SAFE_INTEGER ? 0xffffffffffffffffn : BigInt(Math.max(0, n));
}

/** The records of one process: what `exec` sends, and the base of the container's. */
export function guestProcessOf(proc: Process | undefined): GuestProcess {
  if (!proc || !proc.args || proc.args.length === 0) {
    throw new DockFireError('process.args is empty: there is nothing to run');
  }

  const rlimits: GuestRlimit[] = (proc.rlimits ?? []).map((r) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new DockFireError(`unknown rlimit type ${r.type}`);
    return { resource, soft: limitValue(r.soft), hard: limitValue(r.hard) };
  });

  let caps: GuestCaps | undefined;
  if (proc.capabilities) {
    const c = proc.capabilities;
    caps = {
      bounding: capMask(c.bounding),
      effective: capMask(c.effective),
      permitted: capMask(c.permitted),
      inheritable: capMask(c.inheritable),
      ambient: capMask(c.ambient),
    };
  }

  return {
    args: proc.args,
    env: proc.env ?? [],
    cwd: proc.cwd,
    uid: proc.user.uid,
    gid: proc.user.gid,
    groups: proc.user.additionalGids ?? [],
    rlimits,
    terminal: proc.terminal ?? false,
    mounts: [],
    files: [],
    rootReadonly: false,
    caps,
    noNewPrivileges: proc.noNewPrivileges ?? false,
    umask: proc.user.umask,
    maskedPaths: [],
    readonlyPaths: [],
    sysctls: [],
  };
}

function sysctls(spec: Spec): string[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]) => {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key)) {
      throw new DockFireError(`invalid sysctl name "${key}"`);
    }
    return `${key}=${value}`;
  });
}

/**
 * The container's process: its own records plus the container's setup, and
 * the host directories and files its volume mounts need served (not sent to
 * the guest).
 */
export function guestProcess(spec: Spec): GuestProcess & { volumes: HostVolume[] } {
  const { mounts, volumes } = guestMounts(spec.mounts ?? []);
  return {
    volumes,
    ...guestProcessOf(spec.process),
    hostname: spec.hostname,
    mounts,
    files: [],
    rootReadonly: spec.root?.readonly ?? false,
    maskedPaths: spec.linux?.maskedPaths ?? [],
    readonlyPaths: spec.linux?.readonlyPaths ?? [],
    sysctls: sysctls(spec),
    pidsLimit: parseResources(spec.linux?.resources, 'config.json').pids?.limit ?? undefined,
  };
}
