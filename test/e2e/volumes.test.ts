/**
 * Host volumes through dockerd (docs/volumes.md): `-v /dir:/path` and named
 * volumes are shared live in both directions, look as they do under runc,
 * `:ro` holds even against a guest that remounts, and nothing the guest
 * does reaches a host path outside the volume.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detached, docker, ensureImage, run, IMAGE, RUNTIME } from './lib/docker';
import { until } from './lib/wait';

before(() => ensureImage());

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'df-volumes-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A fresh host directory for one test, with a sibling `outside` holding a secret. */
function hostDir(): string {
  const base = path.join(scratch, String(++counter));
  fs.mkdirSync(path.join(base, 'vol'), { recursive: true });
  fs.mkdirSync(path.join(base, 'outside'));
  fs.writeFileSync(path.join(base, 'outside', 'secret'), 'OUTSIDE-SECRET\n');
  return path.join(base, 'vol');
}

function exec(id: string, command: string, flags: string[] = []) {
  return docker(['exec', ...flags, id, 'sh', '-c', command]);
}

function removeContainer(id: string): void {
  docker(['rm', '-f', id]);
}

/** Files of every kind, with owners, modes and times a volume must carry over. */
function populate(dir: string): void {
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, 'hello\n', { mode: 0o640 });
  fs.chownSync(file, 1000, 1000);
  fs.utimesSync(file, new Date('2020-01-02T03:04:05.123Z'), new Date('2020-01-02T03:04:05.678Z'));
  fs.linkSync(file, path.join(dir, 'hard'));
  fs.mkdirSync(path.join(dir, 'sub'), { mode: 0o750 });
  fs.writeFileSync(path.join(dir, 'sub', 'inner'), 'x'.repeat(70_000));
  fs.symlinkSync('file', path.join(dir, 'link'));
  fs.symlinkSync('/', path.join(dir, 'abs'));
  fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\necho ran from the volume\n', {
    mode: 0o755,
  });
  fs.writeFileSync(path.join(dir, 'setuid'), '', { mode: 0o4755 });
  fs.chmodSync(path.join(dir, 'setuid'), 0o4755);
  fs.truncateSync(path.join(dir, 'setuid'), 12_345);
  execFileSync('mkfifo', [path.join(dir, 'fifo')]);
}

/** What a script prints in a container of the given runtime with dir at /data. */
function runIn(runtime: string, dir: string, script: string, flags: string[] = []) {
  return docker([
    'run',
    '--rm',
    `--runtime=${runtime}`,
    ...flags,
    '-v',
    `${dir}:/data`,
    IMAGE,
    'sh',
    '-c',
    script,
  ]);
}

/** Type, size, mode, owner, links and symlink target of every file under dir. */
const TREE = "cd /data && find . | sort | xargs stat -c '%n %F %s %a %u %g %h %t:%T %N'";

function hostTree(dir: string): string {
  return execFileSync('sh', ['-c', TREE.replace('/data', dir)]).toString();
}

describe('volumes: shared live with the host', () => {
  it('shows host writes in the running guest, and guest writes on the host at once', () => {
    const dir = hostDir();
    const id = detached(['sleep', '300'], ['-v', `${dir}:/data`]);
    try {
      fs.writeFileSync(path.join(dir, 'from-host'), 'written on the host\n');
      assert.equal(exec(id, 'cat /data/from-host').stdout, 'written on the host\n');

      const r = exec(id, 'echo written in the guest > /data/from-guest');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(dir, 'from-guest'), 'utf8'), 'written in the guest\n');

      fs.appendFileSync(path.join(dir, 'from-guest'), 'and appended on the host\n');
      assert.equal(exec(id, 'tail -n 1 /data/from-guest').stdout, 'and appended on the host\n');
      fs.renameSync(path.join(dir, 'from-host'), path.join(dir, 'renamed'));
      assert.equal(exec(id, 'ls /data').stdout, 'from-guest\nrenamed\n');
      fs.unlinkSync(path.join(dir, 'renamed'));
      assert.equal(exec(id, 'test -e /data/renamed || echo gone').stdout, 'gone\n');
    } finally {
      removeContainer(id);
    }
  });

  it('lists sizes, modes, owners, link counts, mtimes and symlinks exactly as runc does', () => {
    const dir = hostDir();
    populate(dir);
    const listing = 'ls -ldnis --full-time /data && ls -lAnis --full-time /data /data/sub';
    const runc = runIn('runc', dir, listing);
    const ours = runIn(RUNTIME, dir, listing);
    assert.equal(runc.status, 0, runc.stderr);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, runc.stdout);
    assert.match(ours.stdout, /-rw-r----- +2 1000 +1000 .* 2020-01-02 03:04:05 .*file/);
    assert.match(ours.stdout, /link -> file/);
  });

  it('makes the same files as runc when the guest creates, renames, links and deletes', () => {
    const script = [
      'cd /data',
      'echo abc > f && chmod 0604 f && mkdir -m 0710 d && mv f d/g',
      'ln -s d/g s && ln d/g h && touch -d "2021-05-06 07:08:09" d/g',
      'mkdir gone && rmdir gone && echo x > x && rm x && mknod null c 1 3 && mkfifo p',
      'dd if=/dev/zero of=z bs=1000 count=70 2>/dev/null && truncate -s 100 z',
      'chown 1000:100 d/g && mkdir -m 0777 pub && su app -c "echo by app > /data/pub/app"',
      'cat s h pub/app && stat -c %Y d/g && ' + TREE,
    ].join('\n');
    const [ourDir, runcDir] = [hostDir(), hostDir()];
    const runc = runIn('runc', runcDir, script);
    const ours = runIn(RUNTIME, ourDir, script);
    assert.equal(runc.status, 0, runc.stderr);
    assert.equal(ours.stdout, runc.stdout, ours.stderr);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(hostTree(ourDir), hostTree(runcDir));
    assert.match(hostTree(ourDir), /\.\/pub\/app regular file 7 644 1000 1000 1 /);
  });

  it('runs a program from the volume and reads a file larger than one 9P message intact', () => {
    const dir = hostDir();
    populate(dir);
    const big = crypto.randomBytes(1_000_000);
    fs.writeFileSync(path.join(dir, 'big'), big);
    const sum = crypto.createHash('md5').update(big).digest('hex');
    const r = run(
      ['-v', `${dir}:/data`],
      ['sh', '-c', '/data/run.sh && md5sum /data/big && cp /data/big /data/copy'],
    );
    assert.equal(r.stdout, `ran from the volume\n${sum}  /data/big\n`, r.stderr);
    assert.ok(fs.readFileSync(path.join(dir, 'copy')).equals(big));
  });

  it('takes several MiB of stdin into a volume file (file I/O never waits behind stdin)', () => {
    const dir = hostDir();
    const input = crypto.randomBytes(3 * 1024 * 1024);
    const r = docker(
      [
        'run',
        '-i',
        '--rm',
        `--runtime=${RUNTIME}`,
        '-v',
        `${dir}:/data`,
        IMAGE,
        'sh',
        '-c',
        'cat > /data/in && wc -c < /data/in',
      ],
      { input },
    );
    assert.equal(r.stdout.trim(), String(input.length), r.stderr);
    assert.ok(fs.readFileSync(path.join(dir, 'in')).equals(input));
  });

  it('keeps a named volume on the host and serves it again after docker stop and start', async () => {
    const name = `df-e2e-vol-${process.pid}`;
    const id = detached(
      ['sh', '-c', 'echo started >> /data/log; sleep 300'],
      ['-v', `${name}:/data`],
    );
    try {
      const data = docker(['volume', 'inspect', '-f', '{{.Mountpoint}}', name]).stdout.trim();
      assert.ok(data.startsWith('/var/lib/docker/volumes/'), data);
      // `docker run -d` returns once the process runs, maybe before its first write.
      const logged = (text: string) => () => {
        try {
          return fs.readFileSync(path.join(data, 'log'), 'utf8') === text;
        } catch {
          return false;
        }
      };
      await until(logged('started\n'), "the container's write, on the host");
      assert.equal(exec(id, 'cat /data/log').stdout, 'started\n');
      assert.equal(docker(['stop', '-t', '1', id]).status, 0);
      fs.writeFileSync(path.join(data, 'while-stopped'), 'kept\n');
      assert.equal(docker(['start', id]).status, 0);
      await until(logged('started\nstarted\n'), 'the write after the restart');
      assert.equal(
        exec(id, 'cat /data/while-stopped; cat /data/log').stdout,
        'kept\nstarted\nstarted\n',
      );
      assert.equal(exec(id, 'echo again > /data/after').status, 0);
      assert.equal(fs.readFileSync(path.join(data, 'after'), 'utf8'), 'again\n');
    } finally {
      removeContainer(id);
      docker(['volume', 'rm', '-f', name]);
    }
  });
});

describe('volumes: read-only', () => {
  it('refuses writes to a :ro volume and leaves the host directory unchanged', () => {
    const dir = hostDir();
    fs.writeFileSync(path.join(dir, 'file'), 'original\n');
    const r = run(
      ['-v', `${dir}:/ro:ro`],
      ['sh', '-c', 'cat /ro/file; echo new > /ro/file; touch /ro/x; rm /ro/file; ls /ro'],
    );
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(r.stdout, 'original\nfile\n');
    assert.deepEqual(fs.readdirSync(dir), ['file']);
    assert.equal(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'original\n');
  });

  it('holds on the host when a privileged guest remounts the volume read-write', () => {
    const dir = hostDir();
    fs.writeFileSync(path.join(dir, 'file'), 'original\n');
    const script =
      'mount -o remount,rw /ro && echo remounted; echo new > /ro/file; touch /ro/x; ' +
      'mkdir /ro/d; rm -f /ro/file; chmod 777 /ro/file; cat /ro/file';
    const r = run(['--cap-add', 'SYS_ADMIN', '-v', `${dir}:/ro:ro`], ['sh', '-c', script]);
    assert.match(r.stdout, /remounted/, r.stderr);
    assert.match(r.stdout, /original/);
    assert.match(r.stderr, /Read-only file system/);
    assert.deepEqual(fs.readdirSync(dir), ['file']);
    assert.equal(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'original\n');
    assert.equal(fs.statSync(path.join(dir, 'file')).mode & 0o777, 0o644);
  });
});

describe('volumes: the guest cannot reach host paths outside the volume', () => {
  it('resolves .. and absolute or relative symlinks in the guest, never on the host', () => {
    const dir = hostDir();
    fs.symlinkSync(path.dirname(dir), path.join(dir, 'abs'));
    fs.symlinkSync('../outside', path.join(dir, 'rel'));
    const script = [
      'cat /data/../outside/secret',
      'cat /data/abs/outside/secret',
      'cat /data/rel/secret',
      'cat /data/../../../../../../outside/secret',
      'echo done',
    ].join('; ');
    const r = run(['-v', `${dir}:/data`], ['sh', '-c', `${script} 2>&1`]);
    assert.doesNotMatch(r.stdout, /OUTSIDE-SECRET/);
    assert.match(r.stdout, /done\n$/);
  });

  it('never follows a symlink the guest swaps in for a directory while reading through it', () => {
    const dir = hostDir();
    fs.mkdirSync(path.join(dir, 'd'));
    fs.writeFileSync(path.join(dir, 'd', 'secret'), 'inside\n');
    // Both an absolute host path and a relative one that leaves the volume.
    fs.symlinkSync(path.join(path.dirname(dir), 'outside'), path.join(dir, 'dabs'));
    fs.symlinkSync('../outside', path.join(dir, 'drel'));
    const script = [
      'cd /data',
      '(while :; do mv d t; mv dabs d; mv d dabs; mv drel d; mv d drel; mv t d; done) &',
      'i=0; while [ $i -lt 300 ]; do cat d/secret 2>/dev/null; i=$((i+1)); done',
      'kill $!',
    ].join('\n');
    const r = run(['-v', `${dir}:/data`], ['sh', '-c', script]);
    assert.match(r.stdout, /inside/, r.stderr);
    assert.doesNotMatch(r.stdout, /OUTSIDE-SECRET/);
  });

  it("opens a device node in the volume as the guest's device, not the host's", () => {
    const dir = hostDir();
    // /dev/kmsg (1:11): the kernel log names the kernel it comes from.
    execFileSync('mknod', ['-m', '0444', path.join(dir, 'kmsg'), 'c', '1', '11']);
    const r = run(['-v', `${dir}:/data`], ['sh', '-c', 'head -n 1 /data/kmsg 2>&1; uname -r']);
    const hostRelease = os.release();
    assert.ok(!r.stdout.includes(hostRelease), `host kernel log leaked: ${r.stdout}`);
    assert.match(r.stdout, /Linux version|Operation not permitted|Permission denied/);
  });

  it('creates device nodes on the host as runc would, without opening host devices', () => {
    const dir = hostDir();
    const r = run(['-v', `${dir}:/data`], ['sh', '-c', 'mknod /data/mem c 1 1 && echo made']);
    assert.equal(r.stdout, 'made\n', r.stderr);
    const st = fs.statSync(path.join(dir, 'mem'));
    assert.ok(st.isCharacterDevice());
  });

  it("keeps files on a host mount inside the volume apart from the volume's own", () => {
    // Two fresh tmpfs number their inodes alike: on the host, /a and
    // /sub/b have one inode number on two devices, and the guest sees one
    // device for the whole volume.
    const dir = hostDir();
    const sub = path.join(dir, 'sub');
    const mounted: string[] = [];
    try {
      execFileSync('mount', ['-t', 'tmpfs', 'df-qid-a', dir]);
      mounted.unshift(dir);
      fs.writeFileSync(path.join(dir, 'a'), 'PARENT-A\n');
      fs.mkdirSync(sub);
      execFileSync('mount', ['-t', 'tmpfs', 'df-qid-b', sub]);
      mounted.unshift(sub);
      fs.writeFileSync(path.join(sub, 'b'), 's2\n');
      assert.equal(fs.statSync(path.join(dir, 'a')).ino, fs.statSync(path.join(sub, 'b')).ino);

      const r = runIn(
        RUNTIME,
        dir,
        'cp -a /data /tmp/cp && cat /tmp/cp/sub/b && cd /data && du -a . | sort -k2 && ' +
          'stat -c "%n %i" . sub a sub/b',
      );
      assert.equal(r.status, 0, r.stderr);
      const [content, ...rest] = r.stdout.trim().split('\n');
      assert.equal(content, 's2');
      assert.match(r.stdout, /\t\.\/sub\/b\n/);
      const ino = Object.fromEntries(rest.slice(-4).map((l) => l.split(' ')));
      assert.equal(new Set(Object.values(ino)).size, 4, r.stdout);
      assert.equal(ino.a, String(fs.statSync(path.join(dir, 'a')).ino), 'host number kept');
    } finally {
      for (const m of mounted) execFileSync('umount', [m]);
    }
  });

  it('holds 3,000 volume files open at once with --ulimit nofile=5000:5000', () => {
    const dir = hostDir();
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(dir, `f${i}`), '');
    // busybox tail -f opens every file up front and holds them open.
    const script = [
      'cd /data && tail -f f* >/dev/null 2>/tmp/err & p=$!',
      'n=0; while [ $n -lt 120 ] && [ $(ls /proc/$p/fd | wc -l) -lt 3003 ] && [ ! -s /tmp/err ]',
      'do sleep 1; n=$((n+1)); done',
      'ls /proc/$p/fd | wc -l; head -3 /tmp/err; kill $p',
    ].join('\n');
    const r = runIn(RUNTIME, dir, script, ['--ulimit', 'nofile=5000:5000']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '3003'); // stdin, stdout, stderr and the 3,000
  });

  it('cannot hard-link a file from outside the volume into it', () => {
    const dir = hostDir();
    const r = run(
      ['-v', `${dir}:/data`],
      [
        'sh',
        '-c',
        'ln /etc/passwd /data/pw 2>&1; ln /data/../outside/secret /data/s 2>&1; ls /data',
      ],
    );
    assert.match(r.stdout, /cross-device link|No such file/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

/** A fresh host file for one test, beside a sibling `other` that must stay out of reach. */
function hostFile(content = 'original\n'): string {
  const dir = path.join(scratch, String(++counter));
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'other'), 'OTHER-SECRET\n');
  fs.writeFileSync(path.join(dir, 'app.conf'), content);
  return path.join(dir, 'app.conf');
}

describe('single-file binds: shared live with the host', () => {
  it('shows host writes in the running guest, and guest writes on the host at once', () => {
    const file = hostFile();
    const id = detached(['sleep', '300'], ['-v', `${file}:/etc/app.conf`]);
    try {
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'original\n');
      fs.writeFileSync(file, 'written on the host\n');
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'written on the host\n');

      const r = exec(id, 'echo written in the guest >> /etc/app.conf');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(fs.readFileSync(file, 'utf8'), 'written on the host\nwritten in the guest\n');

      // Larger than any copy was allowed to be, and larger than one 9P message.
      const big = crypto.randomBytes(300_000);
      fs.writeFileSync(file, big);
      const sum = crypto.createHash('md5').update(big).digest('hex');
      assert.equal(exec(id, 'md5sum < /etc/app.conf').stdout, `${sum}  -\n`);
      assert.equal(exec(id, 'stat -c %s /etc/app.conf').stdout, '300000\n');
    } finally {
      removeContainer(id);
    }
  });

  it('shows size, mode, owner, links, inode and mtime exactly as runc does', () => {
    const file = hostFile('x'.repeat(12_345));
    fs.chmodSync(file, 0o640);
    fs.chownSync(file, 1000, 1000);
    fs.utimesSync(file, new Date('2020-01-02T03:04:05.123Z'), new Date('2020-01-02T03:04:05.678Z'));
    const script =
      "stat -c '%s %a %u %g %h %i %F %y' /etc/app.conf; ls -ln --full-time /etc/app.conf; " +
      'su app -c "head -c 3 /etc/app.conf"; echo; su nobody -s /bin/sh -c "cat /etc/app.conf"; true';
    const outputs = ['runc', RUNTIME].map((runtime) =>
      docker([
        'run',
        '--rm',
        `--runtime=${runtime}`,
        '-v',
        `${file}:/etc/app.conf`,
        IMAGE,
        'sh',
        '-c',
        `{ ${script}; } 2>&1`,
      ]),
    );
    assert.equal(outputs[0].status, 0, outputs[0].stderr);
    assert.equal(outputs[1].stdout, outputs[0].stdout, outputs[1].stderr);
    assert.match(outputs[1].stdout, /^12345 640 1000 1000 1 \d+ regular file 2020-01-02 03:04:05/);
    assert.match(outputs[1].stdout, /\nxxx\n.*Permission denied/);
  });

  it('binds the file a host symlink points to, resolved at create as runc does', () => {
    const file = hostFile('the target\n');
    const link = path.join(path.dirname(file), 'link.conf');
    fs.symlinkSync('app.conf', link);
    const id = detached(['sleep', '300'], ['-v', `${link}:/etc/app.conf`]);
    try {
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'the target\n');
      // Repointing the symlink later changes nothing, as for runc's bind mount;
      // the target stays live.
      fs.unlinkSync(link);
      fs.symlinkSync('other', link);
      fs.writeFileSync(file, 'the target, rewritten\n');
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'the target, rewritten\n');
    } finally {
      removeContainer(id);
    }
  });

  it('serves the file again after docker stop and start', () => {
    const file = hostFile('first\n');
    const id = detached(['sleep', '300'], ['-v', `${file}:/etc/app.conf`]);
    try {
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'first\n');
      assert.equal(docker(['stop', '-t', '1', id]).status, 0);
      fs.writeFileSync(file, 'while stopped\n');
      assert.equal(docker(['start', id]).status, 0);
      assert.equal(exec(id, 'cat /etc/app.conf').stdout, 'while stopped\n');
      assert.equal(exec(id, 'echo after >> /etc/app.conf').status, 0);
      assert.equal(fs.readFileSync(file, 'utf8'), 'while stopped\nafter\n');
    } finally {
      removeContainer(id);
    }
  });

  it("sees Docker's later changes to /etc/hosts, as runc does", () => {
    const id = detached(['sleep', '300']);
    try {
      const hosts = docker(['inspect', '-f', '{{.HostsPath}}', id]).stdout.trim();
      assert.ok(fs.existsSync(hosts), hosts);
      // Docker edits these files in place (network connect, --link updates).
      fs.appendFileSync(hosts, '192.0.2.7\tadded-later\n');
      assert.match(exec(id, 'cat /etc/hosts').stdout, /192\.0\.2\.7\tadded-later\n$/);
      assert.equal(exec(id, 'cat /etc/hostname').stdout, `${id.slice(0, 12)}\n`);
    } finally {
      removeContainer(id);
    }
  });
});

describe('single-file binds: read-only', () => {
  it('refuses writes to a :ro file with EROFS and leaves the host file unchanged', () => {
    const file = hostFile();
    const r = run(
      ['-v', `${file}:/etc/app.conf:ro`],
      ['sh', '-c', 'cat /etc/app.conf; echo new > /etc/app.conf; chmod 777 /etc/app.conf'],
    );
    assert.equal(r.stdout, 'original\n');
    assert.match(r.stderr, /can't create \/etc\/app.conf: Read-only file system/);
    assert.match(r.stderr, /chmod.*Read-only file system/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'original\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
  });

  it('holds on the host when a privileged guest remounts the file read-write', () => {
    const file = hostFile();
    const script =
      'mount -o remount,rw,bind /etc/app.conf && echo remounted; echo new > /etc/app.conf; ' +
      'truncate -s 0 /etc/app.conf; chmod 777 /etc/app.conf; touch /etc/app.conf; ' +
      'cat /etc/app.conf';
    const r = run(
      ['--cap-add', 'SYS_ADMIN', '-v', `${file}:/etc/app.conf:ro`],
      ['sh', '-c', script],
    );
    assert.equal(r.stdout, 'remounted\noriginal\n', r.stderr);
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'original\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
  });
});

describe("single-file binds: the guest cannot reach the file's host directory", () => {
  it('finds no other entry of the parent directory, whatever path it tries', () => {
    const file = hostFile();
    const dir = path.dirname(file);
    const script = [
      'cat /etc/app.conf/../other',
      'ls -a /etc/app.conf/..',
      'cd /etc/app.conf',
      'ls -a /run /run/dock-fire-volumes',
      'grep -c app.conf /proc/self/mountinfo',
      'grep " /etc/app.conf " /proc/self/mountinfo | cut -d" " -f4',
      'mv /etc/app.conf /etc/moved',
      'rm /etc/app.conf',
      'ln /etc/app.conf /etc/hard',
      'echo done',
    ].join('; ');
    const r = run(['--cap-add', 'SYS_ADMIN', '-v', `${file}:/etc/app.conf`], ['sh', '-c', script]);
    assert.doesNotMatch(r.stdout + r.stderr, /OTHER-SECRET/);
    assert.doesNotMatch(r.stdout, /other/);
    assert.match(r.stderr, /app\.conf\/\.\.\/other.*Not a directory/);
    // The bind's root is the file itself ("/0" in the file volume).
    assert.match(r.stdout, /\n\/0\n/);
    assert.match(r.stdout, /done\n$/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['app.conf', 'other']);
    assert.equal(fs.readFileSync(file, 'utf8'), 'original\n');
  });
});
