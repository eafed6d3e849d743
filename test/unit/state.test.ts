import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { StateStore, type ContainerState } from '../../src/state/store';
import { currentStatus, ociState } from '../../src/state/status';
import { readProcStat } from '../../src/state/proc';

function store(): StateStore {
  return new StateStore(fs.mkdtempSync(path.join(os.tmpdir(), 'df-state-')));
}

function state(id: string, pid = 0, startTime = 0): ContainerState {
  return {
    runtime: 'dock-fire',
    ociVersion: '1.0.2',
    id,
    bundle: '/b',
    rootfs: '/b/rootfs',
    pid,
    pidStartTime: startTime,
    status: 'running',
    created: new Date(0).toISOString(),
    annotations: {},
    vmm: 'qemu',
    imageDir: '/nonexistent',
  };
}

describe('state store', () => {
  it('writes and reads state atomically and lists its containers', () => {
    const s = store();
    s.createDir('a');
    s.write(state('a'));
    assert.equal(s.read('a').id, 'a');
    assert.deepEqual(s.list(), ['a']);
    assert.deepEqual(fs.readdirSync(s.dir('a')), ['state.json']);
  });

  it('refuses ids too long to name its lock file and interface tags', () => {
    const s = store();
    assert.doesNotThrow(() => s.createDir('a'.repeat(200)));
    assert.throws(() => s.createDir('a'.repeat(201)), /201 characters, at most 200/);
  });

  it('refuses to create a container that exists', () => {
    const s = store();
    s.createDir('a');
    assert.throws(() => s.createDir('a'), /already exists/);
  });

  it("ignores another runtime's container in the same root (Docker shares runc's root)", () => {
    const s = store();
    fs.mkdirSync(path.join(s.root, 'runc-ctr'));
    fs.writeFileSync(path.join(s.root, 'runc-ctr', 'state.json'), '{"id":"runc-ctr"}');
    assert.equal(s.exists('runc-ctr'), false);
    assert.deepEqual(s.list(), []);
    assert.throws(() => s.read('runc-ctr'), /does not exist/);
  });

  it('rejects ids that could escape the root', () => {
    const s = store();
    for (const id of ['../x', 'a/b', '', '.hidden']) assert.throws(() => s.dir(id), /invalid/);
  });
});

describe('status', () => {
  it('is running while the monitor lives, stopped once it is gone or replaced', () => {
    const self = readProcStat(process.pid)!;
    assert.equal(currentStatus(state('a', process.pid, self.startTime)), 'running');
    assert.equal(currentStatus(state('a', process.pid, self.startTime + 1)), 'stopped');
    assert.equal(currentStatus(state('a', 2 ** 22 + 1, 1)), 'stopped');
    assert.equal(ociState(state('a', 2 ** 22 + 1, 1)).pid, 0);
  });
});
