import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VERBS, verbOf } from '../../src/cli/verbs';

describe('finding the verb before parsing, to load only its module', () => {
  it('skips the global flags the shim passes, with their values', () => {
    const argv = ['--root', '/run/x', '--log', '/b/log.json', '--log-format', 'json', 'create'];
    assert.equal(verbOf([...argv, '--bundle', '/b', 'id']), 'create');
    assert.equal(verbOf(['--debug', '--systemd-cgroup', 'kill', 'id', '9']), 'kill');
  });

  it('loads everything for help, no verb and unknown verbs, so their messages stay whole', () => {
    assert.equal(verbOf(['--help']), undefined);
    assert.equal(verbOf(['--root', '/x']), undefined);
    assert.equal(verbOf(['bogus', 'create']), undefined);
    assert.equal(verbOf(['constructor']), undefined);
  });

  it('has a module for every verb, each registering a command', () => {
    for (const [verb, load] of Object.entries(VERBS)) {
      assert.equal(typeof load().register, 'function', verb);
    }
  });
});
