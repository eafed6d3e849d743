/**
 * The rlimits a container's process starts with. runc sets only those
 * config.json names and the process inherits every other one from runc, that
 * is from the shim that ran it; Docker names none without --ulimit. A guest
 * process would inherit the guest kernel's defaults instead (nofile
 * 1024:4096, nproc from the VM's memory), so dock-fire sends the ones the
 * CLI process itself has, and the guest sets them before the exec.
 */
import fs from 'node:fs';
import type { GuestRlimit } from '../agent/process-spec';
import { wrap } from '../errors';
import { RLIMITS } from './linux-constants';

const INFINITY = 0xffffffffffffffffn;

/** The rows of /proc/PID/limits, by the kernel's names, in resource order. */
const PROC_NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

function limitOf(word: string): bigint | undefined {
  if (word === 'unlimited') return INFINITY;
  return /^\d+$/.test(word) ? BigInt(word) : undefined;
}

/**
 * Parses /proc/PID/limits: a header, then one row per resource of a name
 * padded to 25 columns, the soft and hard values (raw numbers, whatever the
 * units column says) and the units. A row this kernel's table lacks is skipped.
 */
export function parseProcLimits(text: string): GuestRlimit[] {
  const rlimits: GuestRlimit[] = [];
  for (const line of text.split('\n').slice(1)) {
    const type = PROC_NAMES[line.slice(0, 25).trim()];
    const [soft, hard] = line.slice(25).trim().split(/\s+/).map(limitOf);
    if (type === undefined || soft === undefined || hard === undefined) continue;
    rlimits.push({ resource: RLIMITS[type], soft, hard });
  }
  return rlimits;
}

/**
 * The rlimits of this process, for a container to inherit. Node raises its
 * own soft nofile to the hard limit at startup; the wrapper that starts it
 * records the soft limit it was given in DOCK_FIRE_NOFILE_SOFT, and that one
 * is passed on, as runc would. Limitation: started without the wrapper
 * (`node build/dock-fire.js`), dock-fire passes on the raised one.
 */
export function ownRlimits(env: NodeJS.ProcessEnv = process.env): GuestRlimit[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch (err) {
    throw wrap('reading the rlimits to pass on (/proc/self/limits)', err);
  }

  const rlimits = parseProcLimits(text);
  const given = limitOf(env.DOCK_FIRE_NOFILE_SOFT ?? '');
  const nofile = rlimits.find((r) => r.resource === RLIMITS.RLIMIT_NOFILE);
  if (nofile && given !== undefined && given < nofile.soft) nofile.soft = given;
  return rlimits;
}

/** config.json's rlimits, then every inherited one they do not name. */
export function withInherited(named: GuestRlimit[], inherited: GuestRlimit[]): GuestRlimit[] {
  const set = new Set(named.map((r) => r.resource));
  return [...named, ...inherited.filter((r) => !set.has(r.resource))];
}
