/**
 * Host memory of an idle container: the monitor's RSS, the VMM's RSS and,
 * of that, what is not guest RAM (the guest RAM mapping is found in smaps
 * as the mapping of the guest's size). runc's figure is the idle process.
 */
import fs from 'node:fs';
import type { Runtime } from './bundle';
import { registerContainer } from './cleanup';
import { must, mustCreate, sleep } from './exec';
import { statePid, vmmOf } from './verbs';

export interface MemorySample {
  monitorKiB?: number;
  vmmKiB?: number;
  vmmGuestRamKiB?: number;
  overheadKiB?: number;
  /** Memory this container alone holds: private pages, guest RAM excluded. */
  privateOverheadKiB?: number;
  /**
   * Anonymous pages beside guest RAM: what one more container adds once the
   * binaries' pages are in the page cache, shared by every VM (with one VM
   * running they count as private above).
   */
  anonOverheadKiB?: number;
  processKiB?: number;
  guestMiB?: number;
}

export function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

interface Mapping {
  sizeKiB: number;
  rssKiB: number;
  privateKiB: number;
  anonKiB: number;
}

function mappings(pid: number): Mapping[] {
  const smaps = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const field = (block: string, name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(block)?.[1] ?? 0);
  return smaps.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/).map((block) => ({
    sizeKiB: field(block, 'Size'),
    rssKiB: field(block, 'Rss'),
    privateKiB: field(block, 'Private_Clean') + field(block, 'Private_Dirty'),
    anonKiB: field(block, 'Anonymous'),
  }));
}

/** The guest's RAM: the mapping of the guest's size (QEMU may round it up a little). */
function isGuestRam(m: Mapping, guestMiB: number): boolean {
  return m.sizeKiB >= guestMiB * 1024 && m.sizeKiB <= guestMiB * 1024 + 8192;
}

export function guestRamRssKiB(pid: number, guestMiB: number): number {
  return Math.max(
    0,
    ...mappings(pid)
      .filter((m) => isGuestRam(m, guestMiB))
      .map((m) => m.rssKiB),
  );
}

/** Private pages outside guest RAM: what one more container costs the host. */
export function privateBesideGuestKiB(pid: number, guestMiB: number): number {
  return mappings(pid)
    .filter((m) => !isGuestRam(m, guestMiB))
    .reduce((sum, m) => sum + m.privateKiB, 0);
}

/** Anonymous pages outside guest RAM (heap, stacks, relocated data, TCG's buffer). */
export function anonBesideGuestKiB(pid: number, guestMiB: number): number {
  return mappings(pid)
    .filter((m) => !isGuestRam(m, guestMiB))
    .reduce((sum, m) => sum + m.anonKiB, 0);
}

export async function idleMemory(
  rt: Runtime,
  bundle: string,
  guestMiB: number,
  settleMs: number,
): Promise<MemorySample> {
  const id = `bench-mem-${process.pid}`;
  const remove = registerContainer(rt, id);
  try {
    await mustCreate([...rt.argv, 'create', '--bundle', bundle, id], `${bundle}/bench.log`);
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
      privateOverheadKiB:
        privateBesideGuestKiB(pid, guestMiB) + privateBesideGuestKiB(vmm.pid, guestMiB),
      anonOverheadKiB: anonBesideGuestKiB(pid, guestMiB) + anonBesideGuestKiB(vmm.pid, guestMiB),
      guestMiB,
    };
  } finally {
    await remove();
  }
}
