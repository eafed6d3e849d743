/**
 * Host memory of an idle container: the monitor's RSS, the VMM's RSS and,
 * of that, what is not guest RAM (the guest RAM mapping is found in smaps
 * as the mapping of the guest's size). runc's figure is the idle process.
 */
import fs from 'node:fs';
import type { Runtime } from './bundle';
import { must, run, sleep } from './exec';
import { statePid, vmmOf } from './verbs';

export interface MemorySample {
  monitorKiB?: number;
  vmmKiB?: number;
  vmmGuestRamKiB?: number;
  overheadKiB?: number;
  processKiB?: number;
  guestMiB?: number;
}

export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

/** RSS of the largest anonymous mapping at least guestMiB in size: the guest's RAM. */
export function guestRamRssKiB(pid: number, guestMiB: number): number {
  const smaps = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  let best = 0;
  for (const block of smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const size = Number(/^Size:\s+(\d+)/m.exec(block)?.[1] ?? 0);
    const rss = Number(/^Rss:\s+(\d+)/m.exec(block)?.[1] ?? 0);
    if (size >= guestMiB * 1024 && size <= guestMiB * 1024 + 8192 && rss > best) best = rss;
  }
  return best;
}

export async function idleMemory(
  rt: Runtime,
  bundle: string,
  guestMiB: number,
  settleMs: number,
): Promise<MemorySample> {
  const id = `bench-mem-${process.pid}`;
  const log = fs.openSync(`${bundle}/bench.log`, 'a');
  try {
    await run([...rt.argv, 'create', '--bundle', bundle, id], { logFd: log, timeoutMs: 120_000 });
    const pid = statePid(rt, id, (await must([...rt.argv, 'state', id])).stdout);
    await must([...rt.argv, 'start', id], 120_000);
    await sleep(settleMs);
    if (rt.isRunc) return { processKiB: rssKiB(pid) };
    const vmm = vmmOf(pid);
    const monitorKiB = rssKiB(pid);
    if (!vmm.pid) return { monitorKiB };
    const vmmKiB = rssKiB(vmm.pid);
    const vmmGuestRamKiB = guestRamRssKiB(vmm.pid, guestMiB);
    return {
      monitorKiB,
      vmmKiB,
      vmmGuestRamKiB,
      overheadKiB: monitorKiB + vmmKiB - vmmGuestRamKiB,
      guestMiB,
    };
  } finally {
    fs.closeSync(log);
    await run([...rt.argv, 'delete', '--force', id]);
  }
}
