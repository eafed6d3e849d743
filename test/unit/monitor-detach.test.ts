import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkReply, request } from '../../src/agent/control';
import { FrameType, PROTOCOL_VERSION, STREAM_CONTAINER } from '../../src/agent/frame';
import { startMonitor } from '../../src/container/monitor';
import { vmFailureReason } from '../../src/container/vm-failure';
import { readProcStat } from '../../src/state/proc';

const monitorPath = path.join(__dirname, '..', '..', '..', 'native', 'build', 'dock-fire-monitor');
const skip = fs.existsSync(monitorPath) ? false : 'native/build/dock-fire-monitor is not built';

function options(stateDir: string, detach: boolean, vmm: string[]) {
  return {
    monitorPath,
    stateDir,
    agentSocket: 'agent.sock',
    vmmArgv: vmm,
    newNetns: false,
    cgroupProcs: [],
    volumes: [],
    detach,
    debug: false,
  };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    // Ended: reaped, or a zombie of whichever process adopted it.
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z') return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

// The shim waits for the monitor's pid and must be the one to reap it: a
// monitor that was this (Node) process's child and ended before it would be
// reaped here, and `docker exec` of a short process then hung.
describe('a detached monitor', { skip }, () => {
  it('is not a child of the process that started it, and says its pid', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-detach-'));
    try {
      const monitor = await startMonitor(options(dir, true, ['sleep', '30']));
      assert.equal(monitor.exited, undefined);
      const stat = readProcStat(monitor.pid);
      assert.ok(stat, 'the monitor runs');
      assert.notEqual(stat.ppid, process.pid);
      const argv = fs.readFileSync(`/proc/${monitor.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv[0].endsWith('dock-fire-monitor'));
      process.kill(monitor.pid, 'SIGTERM');
      assert.ok(await gone(monitor.pid), 'the monitor ended on SIGTERM');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still reports a failure in one line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-detach-'));
    try {
      await assert.rejects(
        startMonitor(options(dir, true, ['/nonexistent/vmm'])),
        /\/nonexistent\/vmm/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in the foreground stays a child whose exit status is given', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-detach-'));
    try {
      const monitor = await startMonitor(options(dir, false, ['sleep', '30']));
      assert.equal(readProcStat(monitor.pid)?.ppid, process.pid);
      process.kill(monitor.pid, 'SIGKILL');
      assert.equal(await monitor.exited, 128 + 9);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // A VMM that fails after it started (QEMU allocates guest RAM after it
  // connected its sockets) ended before Docker's `start`: the shim would
  // refuse to start a stopped process, and the user would never see why.
  it('outlives a VM that ended before START, until start asks why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-detach-'));
    try {
      const vmm = ['sh', '-c', 'echo "vmm: cannot set up guest memory \'ram\'" >&2; exit 1'];
      const monitor = await startMonitor(options(dir, true, vmm));
      // Past the monitor's grace for a VMM that exits (500 ms).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const stat = readProcStat(monitor.pid);
      assert.ok(stat && stat.state !== 'Z', 'the monitor still runs after the VMM ended');
      const hello = Buffer.alloc(4);
      hello.writeUInt32LE(PROTOCOL_VERSION, 0);
      const reply = await request(dir, FrameType.Hello, STREAM_CONTAINER, hello, 5000);
      assert.throws(() => checkReply(reply), /the VM ended before the container started/);
      assert.ok(await gone(monitor.pid), 'the monitor exits once it has said so');
      assert.match(vmFailureReason(dir) ?? '', /cannot set up guest memory/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
