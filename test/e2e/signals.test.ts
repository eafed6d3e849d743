/** `docker stop` and `docker kill -s`: signals reach the process in the guest, as under runc. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { until } from './lib/wait';
import { docker, ensureImage, IMAGE, RUNTIME, detached } from './lib/docker';

before(() => ensureImage());

function untilLogs(id: string, pattern: RegExp) {
  return until(() => pattern.test(docker(['logs', id]).stdout), `${pattern} in the logs`);
}

function detachedShell(script: string): string {
  return detached(['sh', '-c', script]);
}

describe('signals', () => {
  it('docker stop reaches a process that traps TERM; it exits with its own code', async () => {
    const id = detachedShell(
      'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done',
    );
    try {
      await untilLogs(id, /ready/);
      assert.equal(docker(['stop', id]).status, 0);
      assert.equal(docker(['wait', id]).stdout.trim(), '42');
      assert.match(docker(['logs', id]).stdout, /got-term/);
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it('a plain sleep as PID 1 ignores TERM, so docker stop ends it with KILL: 137', () => {
    const id = detached(['sleep', '300']);
    try {
      assert.equal(docker(['stop', '-t', '2', id]).status, 0);
      assert.equal(docker(['wait', id]).stdout.trim(), '137');
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it('docker kill -s delivers HUP and USR1 by name and by number', async () => {
    const id = detachedShell(
      'trap "echo got-hup" HUP; trap "echo got-usr1" USR1; echo ready; ' +
        'while true; do sleep 0.1; done',
    );
    try {
      await untilLogs(id, /ready/);
      assert.equal(docker(['kill', '-s', 'HUP', id]).status, 0);
      await untilLogs(id, /got-hup/);
      assert.equal(docker(['kill', '-s', '10', id]).status, 0);
      await untilLogs(id, /got-usr1/);
    } finally {
      docker(['rm', '-f', id]);
    }
  });
});
