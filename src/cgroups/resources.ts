/**
 * The OCI `linux.resources` object (config.json at create, stdin of
 * `update --resources -`), validated and bounded before any of it reaches a
 * cgroup file. Fields a microVM cannot honour are refused here, one line each.
 */
import { z } from 'zod';
import { DockFireError } from '../errors';

/** A cgroup v1 "unlimited" is -1; counts stay far below 2^53 in practice. */
const limit = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** "0-3,8", as cpuset.cpus takes it; bounded so it cannot grow a write without end. */
const cpuList = z
  .string()
  .max(256)
  .regex(/^(\d+(-\d+)?)?(,\d+(-\d+)?)*$/, 'must be a list such as 0-3,8');

const device = { major: count.max(0xfff), minor: count.max(0xfffff) };
const weightDevice = z.object({
  ...device,
  weight: count.max(1000).optional(),
  leafWeight: count.max(1000).optional(),
});
const throttleDevice = z.object({ ...device, rate: count });

export const resourcesSchema = z
  .object({
    memory: z
      .object({
        limit: limit.optional(),
        reservation: limit.optional(),
        swap: limit.optional(),
        kernel: limit.optional(),
        kernelTCP: limit.optional(),
        swappiness: z.number().int().min(-1).max(100).nullable().optional(),
        disableOOMKiller: z.boolean().optional(),
      })
      .optional(),
    cpu: z
      .object({
        shares: count.max(262144).optional(),
        quota: limit.optional(),
        period: count.max(1_000_000).optional(),
        realtimeRuntime: limit.optional(),
        realtimePeriod: count.optional(),
        cpus: cpuList.optional(),
        mems: cpuList.optional(),
      })
      .optional(),
    pids: z.object({ limit: limit.nullable().optional() }).optional(),
    blockIO: z
      .object({
        weight: count.max(1000).optional(),
        leafWeight: count.max(1000).optional(),
        weightDevice: z.array(weightDevice).max(64).optional(),
        throttleReadBpsDevice: z.array(throttleDevice).max(64).optional(),
        throttleWriteBpsDevice: z.array(throttleDevice).max(64).optional(),
        throttleReadIOPSDevice: z.array(throttleDevice).max(64).optional(),
        throttleWriteIOPSDevice: z.array(throttleDevice).max(64).optional(),
      })
      .optional(),
    hugepageLimits: z.array(z.object({ pageSize: z.string(), limit: count })).optional(),
    network: z
      .object({ classID: count.optional(), priorities: z.array(z.unknown()).optional() })
      .optional(),
    rdma: z.record(z.unknown()).optional(),
    unified: z.record(z.string()).optional(),
    // The VMM needs /dev/kvm and /dev/net/tun, and the container's devices
    // live in the guest: runc's device rules do not apply to the host side.
    devices: z.array(z.unknown()).optional(),
  })
  .partial();

export type Resources = z.infer<typeof resourcesSchema>;

/** What cannot be enforced around a VM, with what the user set to get it. */
function refuseUnsupported(r: Resources): void {
  const refuse = (what: string, why: string) => {
    throw new DockFireError(`${what} is not supported by dock-fire: ${why}`);
  };
  if (r.cpu?.realtimeRuntime || r.cpu?.realtimePeriod) {
    refuse('--cpu-rt-runtime/--cpu-rt-period', 'the VM runs no real-time tasks on the host');
  }
  if (r.hugepageLimits?.some((h) => h.limit > 0)) {
    refuse('hugepage limits', 'guest RAM is not backed by host hugepages');
  }
  if (r.network?.classID || (r.network?.priorities?.length ?? 0) > 0) {
    refuse('net_cls/net_prio settings', 'the VM does not use the host network stack');
  }
  if (r.rdma && Object.keys(r.rdma).length > 0) refuse('rdma limits', 'no RDMA in the VM');
}

/** Parses and checks resources from config.json or `update`; `where` names the source. */
export function parseResources(raw: unknown, where: string): Resources {
  const parsed = resourcesSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['resources', ...issue.path].join('.');
    throw new DockFireError(`invalid ${where}: ${field}: ${issue.message}`);
  }
  refuseUnsupported(parsed.data);
  return parsed.data;
}

/** How many CPUs a cpuset list names ("0-3,8" is 5); refuses absurd ranges. */
export function cpuListSize(list: string): number {
  let n = 0;
  for (const part of list.split(',').filter((p) => p)) {
    const [lo, hi = lo] = part.split('-').map(Number);
    if (hi < lo || hi > 65535) throw new DockFireError(`invalid cpu list "${list}"`);
    n += hi - lo + 1;
  }
  return n;
}
