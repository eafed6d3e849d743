/**
 * Rlimits, checked against runc run beside dock-fire: a process gets the
 * rlimits config.json names (docker --ulimit) and inherits every other one
 * from the runtime, not the guest kernel's defaults.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { dockFire, makeBundle, ROOT } from './lib/bundle';
import { docker, ensureImage, run, runWith, sh, IMAGE, RUNTIME } from './lib/docker';

before(() => ensureImage());

const LIMITS = ['cat', '/proc/self/limits'];
const ULIMITS = ['sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u'];

/** `docker exec` of command in a fresh container of runtime, which is then removed. */
function execIn(runtime: string, command: string[]) {
  const r = docker(['run', '-d', `--runtime=${runtime}`, IMAGE, 'sleep', '300']);
  assert.equal(r.status, 0, r.stderr);
  const id = r.stdout.trim();
  try {
    return docker(['exec', id, ...command]);
  } finally {
    docker(['rm', '-f', id]);
  }
}

describe('rlimits', () => {
  it('a container inherits every rlimit Docker does not set, as under runc', () => {
    const ours = run([], LIMITS);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, runWith('runc', [], LIMITS).stdout);
    assert.equal(run([], ULIMITS).stdout, runWith('runc', [], ULIMITS).stdout);
  });

  it('so does a docker exec process', () => {
    const ours = execIn(RUNTIME, LIMITS);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, execIn('runc', LIMITS).stdout);
  });

  it('--ulimit still sets the limits it names, and only those', () => {
    const flags = ['--ulimit', 'nofile=512:1024'];
    const ours = run(flags, ULIMITS);
    assert.equal(ours.status, 0, ours.stderr);
    assert.match(ours.stdout, /^512\n1024\n/);
    assert.equal(ours.stdout, runWith('runc', flags, ULIMITS).stdout);
  });

  it("takes a nofile limit above the guest kernel's nr_open by raising nr_open", () => {
    // systemd raises a host's nr_open to 2^30 and passes such limits on; the
    // guest's is 2^20. (runc refuses this one where the host's is 2^20.)
    const r = run(['--ulimit', 'nofile=4096:2097152'], ULIMITS);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^4096\n2097152\n/);
  });

  it('passes on the soft nofile limit dock-fire was given, not the one Node raised', () => {
    const hard = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))!
      .slice(25)
      .trim()
      .split(/\s+/)[1];
    const bundle = makeBundle(ULIMITS);
    delete bundle.config.process.rlimits;
    bundle.save();
    const id = `rlimits-${process.pid}`;
    const r = sh([
      'sh',
      '-c',
      `ulimit -Sn 1000 && exec "$@"`,
      'sh',
      RUNTIME,
      '--root',
      ROOT,
      'run',
      '--bundle',
      bundle.dir,
      id,
    ]);
    dockFire(['delete', '--force', id]);
    fs.rmSync(bundle.dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^1000\n${hard}\n`));
  });
});
