/**
 * The OCI verbs timed one by one on the same bundle for runc and dock-fire:
 * create, state, start, delete; for dock-fire also the split of its time read
 * from the monitor's log, and which accelerator ran the VM.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from './bundle';
import { registerContainer } from './cleanup';
import { must, mustCreate, waitGone } from './exec';
import { parseMonitorLog, split, type Split } from './monitor-log';

export interface VerbSamples {
  create: number[];
  state: number[];
  start: number[];
  delete: number[];
  splits: Split[];
  accel?: string;
}

/** The VMM child of a monitor, and the accelerator its command line names. */
export function vmmOf(monitorPid: number): { pid?: number; accel?: string } {
  let children: string;
  try {
    children = fs.readFileSync(`/proc/${monitorPid}/task/${monitorPid}/children`, 'utf8');
  } catch {
    return {};
  }
  const pid = Number(children.trim().split(/\s+/)[0]);
  if (!pid) return {};
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (/firecracker/.test(cmdline[0])) return { pid, accel: 'kvm' };
  // `-accel tcg,tb-size=N` now; `-M microvm,accel=tcg` before.
  const accel = /(?:^|\s|,)-?accel[= ](\w+)/.exec(cmdline.join(' '))?.[1];
  return { pid, accel };
}

export function statePid(rt: Runtime, id: string, stdout: string): number {
  const pid = Number(JSON.parse(stdout).pid);
  if (!(pid > 0)) throw new Error(`${rt.name} state ${id}: no pid`);
  return pid;
}

async function oneRound(rt: Runtime, bundle: string, id: string, s: VerbSamples) {
  const created = await mustCreate(
    [...rt.argv, 'create', '--bundle', bundle, id],
    path.join(bundle, 'bench.log'),
  );
  s.create.push(created.ms);

  const state = await must([...rt.argv, 'state', id]);
  s.state.push(state.ms);
  const pid = statePid(rt, id, state.stdout);
  if (!rt.isRunc) s.accel ??= vmmOf(pid).accel;

  const started = await must([...rt.argv, 'start', id], 120_000);
  s.start.push(started.ms);
  if (!(await waitGone(pid, 120_000))) throw new Error(`${rt.name} ${id} did not exit`);

  if (!rt.isRunc) {
    const logFile = path.join(rt.argv[2], id, 'monitor.log');
    s.splits.push(split(parseMonitorLog(fs.readFileSync(logFile, 'utf8'))));
  }
  const deleted = await must([...rt.argv, 'delete', id]);
  s.delete.push(deleted.ms);
}

export async function timeVerbs(rt: Runtime, bundle: string, reps: number): Promise<VerbSamples> {
  const s: VerbSamples = { create: [], state: [], start: [], delete: [], splits: [] };
  for (let i = 0; i < reps; i++) {
    const id = `bench-${process.pid}-${i}`;
    const remove = registerContainer(rt, id);
    try {
      await oneRound(rt, bundle, id, s);
    } finally {
      await remove();
    }
  }
  return s;
}
