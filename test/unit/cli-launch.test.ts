import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const LAUNCH = path.join(__dirname, '../../src/cli/launch.js');
const ENTRY = path.join(__dirname, '../../dock-fire.js');

/** A stamped bundle printing word; words of one length give bundles of one length. */
function bundle(dir: string, word: string, hash: string): string {
  const file = path.join(dir, 'bundle.js');
  fs.writeFileSync(file, `/* dock-fire build ${hash} */\nprocess.stdout.write('${word}');\n`);
  return file;
}

/** Runs file through the launcher with cache; its output. */
function launch(file: string, cache: string): string {
  const code = `require(${JSON.stringify(LAUNCH)}).runBundle(process.argv[1], process.argv[2])`;
  const r = spawnSync(process.execPath, ['-e', code, file, cache], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'df-launch-'));
}

describe('the entry point and its code cache', () => {
  it('runs the built CLI, help and all (every verb loaded)', () => {
    const r = spawnSync(process.execPath, [ENTRY, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: dock-fire/);
    assert.match(r.stdout, /\bstate\b/);
  });

  it('runs without a cache and writes one, named for the bundle it fits', () => {
    const dir = tmp();
    const cache = path.join(dir, 'cache');
    assert.equal(launch(bundle(dir, 'one', 'a'.repeat(32)), cache), 'one');
    assert.ok(
      fs
        .readFileSync(cache)
        .subarray(0, 33)
        .equals(Buffer.from(`${'a'.repeat(32)}\n`)),
    );
    assert.equal(launch(path.join(dir, 'bundle.js'), cache), 'one');
  });

  it('never runs a stale cache, even for a rebuilt bundle of the same length', () => {
    // V8 checks only the source's length: this is what the stamp is for.
    const dir = tmp();
    const cache = path.join(dir, 'cache');
    assert.equal(launch(bundle(dir, 'old', 'a'.repeat(32)), cache), 'old');
    assert.equal(launch(bundle(dir, 'new', 'b'.repeat(32)), cache), 'new');
    assert.equal(launch(path.join(dir, 'bundle.js'), cache), 'new');
  });

  it('compiles the bundle when its cache is corrupt, and replaces the cache', () => {
    const dir = tmp();
    const cache = path.join(dir, 'cache');
    const hash = 'c'.repeat(32);
    fs.writeFileSync(cache, Buffer.concat([Buffer.from(`${hash}\n`), Buffer.alloc(4096, 7)]));
    assert.equal(launch(bundle(dir, 'ok!', hash), cache), 'ok!');
    assert.ok(fs.statSync(cache).size !== 33 + 4096, 'the cache was rewritten');
  });

  it('runs an unstamped bundle without any cache', () => {
    const dir = tmp();
    const file = path.join(dir, 'plain.js');
    fs.writeFileSync(file, "process.stdout.write('plain');\n");
    assert.equal(launch(file, path.join(dir, 'cache')), 'plain');
    assert.equal(fs.existsSync(path.join(dir, 'cache')), false);
  });
});
