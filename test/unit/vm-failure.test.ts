import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONSOLE_LOG } from '../../src/container/monitor';
import { reasonFromConsole, vmFailureReason } from '../../src/container/vm-failure';

// The shape of a real panic under TCG: the reason, then a stack dump.
const PANIC = [
  '[    0.412000] ..MP-BIOS bug: 8254 timer not connected to IO-APIC',
  "[    0.530000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug",
  '[    0.530000] CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0 #1',
  '[    0.530000] Call Trace:',
  '[    0.530000]  <TASK>',
  '[    0.530000]  ? 0xffffffff81000144',
  '[    0.530000]  </TASK>',
].join('\r\n');

describe('the reason a VM failed, from its console', () => {
  it('names a kernel panic by its own line, not the stack dump after it', () => {
    assert.equal(
      reasonFromConsole(PANIC),
      "Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug",
    );
  });

  it('gives the last two lines when there was no panic', () => {
    const text = 'booting\nqemu-system-x86_64: -drive x: Could not open: No such file\n\n';
    assert.equal(
      reasonFromConsole(text),
      'booting; qemu-system-x86_64: -drive x: Could not open: No such file',
    );
  });

  it('keeps only printable text, bounded', () => {
    const reason = reasonFromConsole('\x1b[31m' + 'x'.repeat(1000) + '\x00\n');
    assert.equal(reason, '[31m' + 'x'.repeat(296));
  });

  it('reads only the end of a large log, and nothing when there is none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-failure-'));
    try {
      assert.equal(vmFailureReason(dir), undefined);
      fs.writeFileSync(path.join(dir, CONSOLE_LOG), 'y\n'.repeat(1 << 20) + PANIC);
      assert.match(vmFailureReason(dir) ?? '', /^Kernel panic - not syncing: IO-APIC/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
