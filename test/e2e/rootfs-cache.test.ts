/**
 * The per-image rootfs cache through Docker: containers of one image share
 * one read-only base drive, each writes to its own layer, and `gc` removes a
 * base once no container links it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { busyboxRoot, docker, importImage, sh, RUNTIME } from './lib/docker';
import { until } from './lib/wait';

const DOCKER_STATE = '/run/docker/runtime-runc/moby';
const image = `dock-fire-cache-test-${process.pid}:latest`;
const started: string[] = [];
const CHECK = 'cat /etc/marker; cat /etc/image-id';

function startSleeper(script: string): string {
  const r = docker(['run', '-d', `--runtime=${RUNTIME}`, image, 'sh', '-c', script]);
  if (r.status !== 0) throw new Error(`docker run -d: ${r.stderr}`);
  started.push(r.stdout.trim());
  return r.stdout.trim();
}

function imageDirOf(id: string): string {
  return JSON.parse(fs.readFileSync(path.join(DOCKER_STATE, id, 'state.json'), 'utf8')).imageDir;
}

/** `docker run --rm` without blocking, so that several start at once. */
function runAsync(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['run', '--rm', `--runtime=${RUNTIME}`, ...args], {
      stdio: 'ignore',
    });
    child.on('close', resolve);
  });
}

function cacheDirOf(imageDir: string): string {
  return path.join(path.dirname(imageDir), '.rootfs-cache');
}

describe('the per-image rootfs cache', () => {
  let baseOfA = '';

  before(() => {
    // An image of its own, so that its base drive is this test's alone.
    const root = busyboxRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'df-cache-image-')));
    fs.writeFileSync(path.join(root, 'etc', 'image-id'), `${process.pid}\n`);
    fs.symlinkSync('busybox', path.join(root, 'bin', 'sleep'));
    importImage(image, root);
  });

  after(() => {
    if (started.length > 0) docker(['rm', '-f', ...started]);
    docker(['rmi', image]);
  });

  it('gives two containers of one image one read-only base and keeps their writes apart', async () => {
    // No docker exec here: an exec right after start can race (docs/limitations.md).
    const a = startSleeper('echo a > /etc/marker && echo written && exec sleep 300');
    await until(() => docker(['logs', a]).stdout === 'written\n', 'a write in A');
    const b = startSleeper('exec sleep 300');

    const r = docker(['run', '--rm', `--runtime=${RUNTIME}`, image, 'sh', '-c', CHECK]);
    assert.match(r.stderr, /No such file/, 'a third container sees none of A’s writes');
    assert.equal(r.stdout, `${process.pid}\n`, 'it sees the image’s files');

    baseOfA = path.join(imageDirOf(a), 'base.ext4');
    const [sa, sb] = [baseOfA, path.join(imageDirOf(b), 'base.ext4')].map((f) => fs.statSync(f));
    assert.equal(sa.ino, sb.ino, 'both link the same base drive');
    assert.ok(sa.nlink >= 3, 'the cache holds a third link');
    assert.equal(sa.mode & 0o222, 0, 'the base is not writable');
  });

  it("keeps the root's writes across stop and start, and a killed VM's, until docker rm", async () => {
    const script =
      'test -f /etc/kept || { echo first > /etc/kept; rm /etc/image-id; }; ' +
      'sync; echo started; exec sleep 300';
    const c = startSleeper(script);
    const upper = docker(['inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', c]).stdout.trim();
    const starts = (n: number) =>
      until(() => docker(['logs', c]).stdout === 'started\n'.repeat(n), `start ${n}`);
    await starts(1);

    assert.equal(docker(['stop', '-t', '1', c]).status, 0);
    assert.equal(docker(['start', c]).status, 0);
    await starts(2);
    let r = docker(['exec', c, 'sh', '-c', 'cat /etc/kept; ls /etc/image-id']);
    assert.equal(r.stdout, 'first\n', 'a file written before the stop is there');
    assert.match(r.stderr, /No such file/, 'a file deleted before the stop stays deleted');

    // The VM killed from outside: the layer was not unmounted; it is checked.
    assert.equal(docker(['exec', c, 'sh', '-c', 'echo second >> /etc/kept; sync']).status, 0);
    const monitor = JSON.parse(
      fs.readFileSync(path.join(DOCKER_STATE, c, 'state.json'), 'utf8'),
    ).pid;
    sh(['pkill', '-KILL', '-P', String(monitor)]);
    process.kill(monitor, 'SIGKILL');
    await until(
      () => !docker(['inspect', '-f', '{{.State.Running}}', c]).stdout.includes('true'),
      'the stop',
    );
    assert.equal(docker(['start', c]).status, 0);
    await starts(3);
    r = docker(['exec', c, 'cat', '/etc/kept']);
    assert.equal(r.stdout, 'first\nsecond\n');

    assert.equal(docker(['rm', '-f', c]).status, 0);
    started.splice(started.indexOf(c), 1);
    assert.ok(upper.endsWith('/diff'), upper);
    assert.equal(fs.existsSync(path.dirname(upper)), false, 'docker rm removed the kept layer');
  });

  it('gc keeps a base while a container uses it and removes it after', async () => {
    assert.ok(baseOfA, 'needs the first test');
    const cache = path.join(path.dirname(path.dirname(baseOfA)), '.rootfs-cache');
    const ino = fs.statSync(baseOfA).ino;
    const cached = () =>
      fs.readdirSync(cache).filter((n) => fs.statSync(path.join(cache, n)).ino === ino);
    assert.equal(cached().length, 1);

    const [a, b] = started.splice(0, 2);
    assert.equal(docker(['rm', '-f', a]).status, 0);
    assert.equal(sh([RUNTIME, 'gc']).status, 0);
    assert.equal(cached().length, 1, 'B still uses the base');

    assert.equal(docker(['rm', '-f', b]).status, 0);
    await until(() => !fs.existsSync(path.join(DOCKER_STATE, b)), 'B deleted');
    const gc = sh([RUNTIME, 'gc']);
    assert.equal(gc.status, 0, gc.stderr);
    assert.equal(cached().length, 0, gc.stdout);
  });

  it('builds the base of a new image once when its containers start at once', async () => {
    const root = busyboxRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'df-cache-image-')));
    fs.writeFileSync(path.join(root, 'etc', 'image-id'), `race-${process.pid}\n`);
    const raced = `dock-fire-cache-race-${process.pid}:latest`;
    importImage(raced, root);
    try {
      const probe = startSleeper('exec sleep 300');
      const cache = cacheDirOf(imageDirOf(probe));
      const bases = () => new Set(fs.readdirSync(cache).filter((n) => n.endsWith('.ext4')));
      const before = bases();

      const codes = await Promise.all(
        [1, 2, 3, 4].map(() => runAsync([raced, 'sh', '-c', 'exit 3'])),
      );
      assert.deepEqual(codes, [3, 3, 3, 3]);
      const added = [...bases()].filter((n) => !before.has(n));
      assert.equal(added.length, 1, `one base for the new image, not ${added.join(', ')}`);
      const temps = fs.readdirSync(cache).filter((n) => /\.tmp-|\.lock$/.test(n));
      assert.deepEqual(temps, [], 'no temp file or lock is left');
    } finally {
      docker(['rmi', raced]);
    }
  });
});
