/**
 * Why a VM ended before its container ran: the last lines of the VMM's output
 * (QEMU's own errors, a guest panic) from the console log in the state
 * directory, read bounded and reduced to printable text, since the log is
 * deleted with the container and the user must see the reason in the error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_LOG } from './monitor';

const TAIL_BYTES = 4096;

export function vmFailureReason(stateDir: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(stateDir, CONSOLE_LOG), 'r');
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, TAIL_BYTES));
    fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .map((l) => l.replace(/[^\x20-\x7e]/g, '').trim())
      .filter((l) => l !== '');
    return lines.length > 0 ? lines.slice(-2).join('; ').slice(0, 300) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
