/**
 * Why a VM ended before its container ran, from the console log in the state
 * directory (QEMU's own errors, the guest kernel's messages), read bounded and
 * reduced to printable text, since the log is deleted with the container and
 * the user must see the reason in the error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_LOG } from './monitor';

/** Enough for a kernel panic's message and the stack dump printed after it. */
const TAIL_BYTES = 16 * 1024;
const MAX_REASON = 300;

/**
 * A kernel panic prints its reason first and a stack dump after it, so the
 * last lines alone name only a function; the panic's own line is the reason.
 */
const KERNEL_PANIC = /Kernel panic - not syncing:.*/;

export function vmFailureReason(stateDir: string): string | undefined {
  const text = readTail(path.join(stateDir, CONSOLE_LOG));
  return text === undefined ? undefined : reasonFromConsole(text);
}

export function reasonFromConsole(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/[^\x20-\x7e]/g, '').trim())
    .filter((l) => l !== '');
  const panics = lines.map((l) => KERNEL_PANIC.exec(l)?.[0]).filter((m) => m !== undefined);
  if (panics.length > 0) return panics[panics.length - 1].slice(0, MAX_REASON);
  return lines.length > 0 ? lines.slice(-2).join('; ').slice(0, MAX_REASON) : undefined;
}

function readTail(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, TAIL_BYTES));
    fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
