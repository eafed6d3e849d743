import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startMonitor } from '../../src/container/monitor';

// The monitor built by `make -C native all`; the relay itself is tested by
// native/test/test_dns_monitor.c.
const monitorPath = path.join(__dirname, '..', '..', '..', 'native', 'build', 'dock-fire-monitor');
const skip = fs.existsSync(monitorPath) ? false : 'native/build/dock-fire-monitor is not built';

function options(stateDir: string, dnsRelay: string) {
  return {
    monitorPath,
    stateDir,
    agentSocket: 'agent.sock',
    vmmArgv: ['sleep', '30'],
    newNetns: false,
    cgroupProcs: [],
    dnsRelay,
    volumes: [],
    detach: false,
    debug: false,
  };
}

describe('startMonitor dnsRelay', { skip }, () => {
  it('passes --dns-relay to the monitor', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-dns-'));
    const monitor = await startMonitor(options(dir, '127.0.0.11'));
    try {
      const argv = fs.readFileSync(`/proc/${monitor.pid}/cmdline`, 'utf8').split('\0');
      assert.equal(argv[argv.indexOf('--dns-relay') + 1], '127.0.0.11');
    } finally {
      process.kill(monitor.pid, 'SIGTERM'); // the monitor then ends its VMM
      await monitor.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails in one line when the address is not IPv4', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-monitor-dns-'));
    try {
      await assert.rejects(
        startMonitor(options(dir, '::1')),
        /invalid arguments: --dns-relay needs an IPv4 address/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
