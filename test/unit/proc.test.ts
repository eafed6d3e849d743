import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { readProcStat, waitGone } from '../../src/state/proc';

describe('waitGone', () => {
  it('resolves true once the process has exited and been reaped', async () => {
    const child = spawn('sleep', ['0.2']);
    const startTime = readProcStat(child.pid!)!.startTime;
    assert.equal(await waitGone(child.pid!, startTime, 5000), true);
  });

  it('resolves false when the process outlives the timeout', async () => {
    const child = spawn('sleep', ['30']);
    try {
      const startTime = readProcStat(child.pid!)!.startTime;
      const begun = Date.now();
      assert.equal(await waitGone(child.pid!, startTime, 200), false);
      assert.ok(Date.now() - begun >= 200);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('treats a pid with another start time as gone (pid reuse)', async () => {
    const startTime = readProcStat(process.pid)!.startTime;
    assert.equal(await waitGone(process.pid, startTime + 1, 200), true);
  });
});
