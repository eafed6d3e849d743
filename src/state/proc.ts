/** Reads host process facts from /proc: liveness that survives pid reuse. */
import fs from 'node:fs';

export interface ProcStat {
  state: string;
  ppid: number;
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), startTime: Number(fields[19]) };
}

/** True when pid runs and is the process we started (same start time), not a zombie. */
export function isAlive(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const stat = readProcStat(pid);
  return (
    stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X'
  );
}

/**
 * Waits until pid (the process that started at startTime) is gone, reaped by
 * its parent, or until timeoutMs passed. True when it is gone.
 */
export async function waitGone(pid: number, startTime: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pid <= 0 || readProcStat(pid)?.startTime !== startTime) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Children of pid, found by scanning /proc (works without CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat?.ppid === pid) children.push(Number(entry));
  }
  return children;
}
