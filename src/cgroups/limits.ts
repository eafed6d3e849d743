/**
 * Turns validated `linux.resources` into the cgroup files runc would write,
 * for cgroup v1 and v2. Pure: the writes are applied by placement.ts, so the
 * mapping is tested without a cgroup tree.
 *
 * The cgroup holds the monitor and the VMM, not the container's processes
 * (those live in the guest kernel), so a limit here bounds the whole VM on
 * the host: memory covers guest RAM plus the VMM's own memory, CPU time
 * covers every vCPU thread. vm-size.ts sizes guest RAM to leave the VMM its
 * overhead inside --memory, so the VMM is not OOM-killed by its own limit.
 */
import { DockFireError } from '../errors';
import type { Resources } from './resources';

export interface CgroupWrite {
  /** The v1 controller (hierarchy) that holds the file; v2 has one tree. */
  controller: string;
  file: string;
  value: string;
  /** Used when file does not exist: kernels name some knobs differently (BFQ vs CFQ). */
  alternatives?: { file: string; value: string }[];
}

/**
 * Tasks the host side may always have: the monitor, the VMM's main, vCPU,
 * RCU and I/O worker threads (QEMU's pool grows to 64). A --pids-limit below
 * this would make the VMM fail to start a thread and kill the VM. The limit
 * proper is kept inside the guest, where the container's processes live
 * (the PIDS_LIMIT record, native/init/cgroup.c).
 */
export const HOST_MIN_TASKS = 128;

type Devices = { major: number; minor: number; rate: number }[] | undefined;

function deviceLines(devices: Devices, format: (d: { rate: number }) => string): string[] {
  return (devices ?? []).map((d) => `${d.major}:${d.minor} ${format(d)}`);
}

function pidsMax(limit: number | null | undefined): string | undefined {
  if (limit === undefined || limit === null || limit === 0) return undefined;
  return limit < 0 ? 'max' : String(Math.max(limit, HOST_MIN_TASKS));
}

/** Kernel memory limits (kernel, kernelTCP) are deprecated and ignored, as runc 1.1 does. */
function v1Memory(m: NonNullable<Resources['memory']>): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (file: string, value: number | undefined) => {
    if (value) w.push({ controller: 'memory', file, value: String(value) });
  };
  add('memory.limit_in_bytes', m.limit);
  add('memory.memsw.limit_in_bytes', m.swap);
  add('memory.soft_limit_in_bytes', m.reservation);
  if (m.swappiness !== undefined && m.swappiness !== null && m.swappiness >= 0) {
    w.push({ controller: 'memory', file: 'memory.swappiness', value: String(m.swappiness) });
  }
  if (m.disableOOMKiller) w.push({ controller: 'memory', file: 'memory.oom_control', value: '1' });
  return w;
}

function v1BlockIO(b: NonNullable<Resources['blockIO']>): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (file: string, value: string, alternatives?: CgroupWrite['alternatives']) =>
    w.push({ controller: 'blkio', file, value, alternatives });
  if (b.weight) {
    add('blkio.weight', String(b.weight), [{ file: 'blkio.bfq.weight', value: String(b.weight) }]);
  }
  if (b.leafWeight) add('blkio.leaf_weight', String(b.leafWeight));
  for (const d of b.weightDevice ?? []) {
    if (d.weight) add('blkio.weight_device', `${d.major}:${d.minor} ${d.weight}`);
  }
  const rate = (d: { rate: number }) => String(d.rate);
  const throttles: [string, Devices][] = [
    ['read_bps_device', b.throttleReadBpsDevice],
    ['write_bps_device', b.throttleWriteBpsDevice],
    ['read_iops_device', b.throttleReadIOPSDevice],
    ['write_iops_device', b.throttleWriteIOPSDevice],
  ];
  for (const [name, devices] of throttles) {
    for (const line of deviceLines(devices, rate)) add(`blkio.throttle.${name}`, line);
  }
  return w;
}

export function v1Writes(r: Resources): CgroupWrite[] {
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new DockFireError('unified cgroup settings need a cgroup v2 host; this host uses v1');
  }
  const w: CgroupWrite[] = r.memory ? v1Memory(r.memory) : [];
  const cpu = r.cpu ?? {};
  if (cpu.shares) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(cpu.shares) });
  if (cpu.period) {
    w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(cpu.period) });
  }
  if (cpu.quota) w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(cpu.quota) });
  if (cpu.cpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: cpu.cpus });
  if (cpu.mems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: cpu.mems });
  const pids = pidsMax(r.pids?.limit);
  if (pids) w.push({ controller: 'pids', file: 'pids.max', value: pids });
  if (r.blockIO) w.push(...v1BlockIO(r.blockIO));
  return w;
}

/** runc's mapping of v1 shares [2, 262144] onto v2 weight [1, 10000]. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((Math.max(shares, 2) - 2) * 9999) / 262142);
}

/** runc's mapping of blkio weight [10, 1000] onto io.weight [1, 10000]. */
function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((Math.max(weight, 10) - 10) * 9999) / 990);
}

function v2Memory(m: NonNullable<Resources['memory']>): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const add = (file: string, value: string) => w.push({ controller: 'memory', file, value });
  const bytes = (v: number) => (v < 0 ? 'max' : String(v));
  if (m.limit) add('memory.max', bytes(m.limit));
  if (m.swap) {
    // v1's swap is memory+swap; v2's memory.swap.max is swap alone.
    if (m.swap > 0 && !(m.limit && m.limit > 0)) {
      throw new DockFireError(
        'a swap limit needs a memory limit too (--memory with --memory-swap)',
      );
    }
    add('memory.swap.max', m.swap < 0 ? 'max' : String(Math.max(0, m.swap - (m.limit ?? 0))));
  }
  if (m.reservation) add('memory.low', bytes(m.reservation));
  return w;
}

function v2IO(b: NonNullable<Resources['blockIO']>): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (b.weight) {
    // BFQ takes blkio's own range; io.weight its wider one.
    const alternatives = [{ file: 'io.weight', value: `default ${blkioToIoWeight(b.weight)}` }];
    w.push({ controller: 'io', file: 'io.bfq.weight', value: String(b.weight), alternatives });
  }
  const keyed: [string, Devices][] = [
    ['rbps', b.throttleReadBpsDevice],
    ['wbps', b.throttleWriteBpsDevice],
    ['riops', b.throttleReadIOPSDevice],
    ['wiops', b.throttleWriteIOPSDevice],
  ];
  for (const [key, devices] of keyed) {
    for (const line of deviceLines(devices, (d) => `${key}=${d.rate}`)) {
      w.push({ controller: 'io', file: 'io.max', value: line });
    }
  }
  return w;
}

/** A unified key names one file in the container's own directory, nothing else. */
const UNIFIED_KEY = /^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/;

export function v2Writes(r: Resources): CgroupWrite[] {
  const w: CgroupWrite[] = r.memory ? v2Memory(r.memory) : [];
  const cpu = r.cpu ?? {};
  if (cpu.shares) {
    w.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(cpu.shares)) });
  }
  if (cpu.quota || cpu.period) {
    const quota = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : 'max';
    w.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${cpu.period || 100000}` });
  }
  if (cpu.cpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: cpu.cpus });
  if (cpu.mems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: cpu.mems });
  const pids = pidsMax(r.pids?.limit);
  if (pids) w.push({ controller: 'pids', file: 'pids.max', value: pids });
  if (r.blockIO) w.push(...v2IO(r.blockIO));
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (!UNIFIED_KEY.test(key) || key.includes('..') || value.length > 4096) {
      throw new DockFireError(`invalid unified cgroup setting "${key}"`);
    }
    w.push({ controller: key.split('.')[0], file: key, value });
  }
  return w;
}
