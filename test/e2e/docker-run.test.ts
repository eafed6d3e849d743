/**
 * `docker run --runtime=dock-fire` end to end: what the user sees of output,
 * exit codes, stdin, the guest, the process's environment and Docker's files.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  busyboxRoot,
  docker,
  ensureImage,
  guestKernelRelease,
  importImage,
  run,
  IMAGE,
  RUNTIME,
  detached,
} from './lib/docker';

before(() => ensureImage());

describe('docker run: output and exit codes', () => {
  it('prints the output of echo', () => {
    const r = run([], ['echo', 'Hello from a microVM']);
    assert.equal(r.stdout, 'Hello from a microVM\n', r.stderr);
    assert.equal(r.status, 0);
  });

  it('keeps stdout and stderr separate', () => {
    const r = run([], ['sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  it("exits with the container's exit code", () => {
    assert.equal(run([], ['sh', '-c', 'exit 7']).status, 7);
  });

  it('reports 128+N for a process that ends by signal N', () => {
    // The shell reports its child's death by SIGKILL as 137, as under runc.
    assert.equal(run([], ['sh', '-c', 'sleep 30 & kill -9 $!; wait $!']).status, 137);
  });

  it("gives 127 and runc's message for a missing command", () => {
    const r = run([], ['no-such-command']);
    assert.equal(r.status, 127);
    assert.match(r.stderr, /exec: "no-such-command": executable file not found in \$PATH/);
  });
});

describe('docker run -i', () => {
  it('passes piped stdin and ends when stdin closes', () => {
    const r = run(['-i'], ['cat'], 'a\nb\n');
    assert.equal(r.stdout, 'a\nb\n');
    assert.equal(r.status, 0);
  });

  it('passes 2 MB of stdin through cat intact', () => {
    const input = crypto.randomBytes(2 * 1024 * 1024).toString('base64');
    const r = run(['-i'], ['cat'], input);
    assert.equal(r.stdout.length, input.length);
    assert.equal(r.stdout, input);
  });
});

describe('the guest', () => {
  it("runs the guest kernel, not the host's", () => {
    const r = run([], ['uname', '-r']);
    assert.equal(r.stdout.trim(), guestKernelRelease());
    assert.notEqual(r.stdout.trim(), os.release());
  });

  it('runs the process as PID 1 of its own PID namespace', () => {
    const r = run([], ['sh', '-c', 'echo $$; ps -o pid,comm | wc -l']);
    const [pid, lines] = r.stdout.trim().split('\n');
    assert.equal(pid, '1');
    // Header, sh, ps and wc: no guest init or kernel threads are visible.
    assert.ok(Number(lines) <= 4, r.stdout);
  });

  it('mounts /proc, /sys, /dev, /dev/pts, /dev/shm as runc does, and /tmp is writable', () => {
    const r = run([], ['sh', '-c', 'cat /proc/mounts; echo x > /tmp/f && cat /tmp/f']);
    for (const [where, type] of [
      ['/proc', 'proc'],
      ['/sys', 'sysfs'],
      ['/dev', 'tmpfs'],
      ['/dev/pts', 'devpts'],
      ['/dev/shm', 'tmpfs'],
      ['/dev/mqueue', 'mqueue'],
    ]) {
      assert.match(r.stdout, new RegExp(`^\\S+ ${where} ${type} `, 'm'), `${where} ${type}`);
    }
    // The image's shared base under the container's layer (overlay, as under runc),
    // or one ext4 drive when the rootfs cache is off.
    assert.match(r.stdout, /^overlay \/ overlay .*lowerdir=|^\/dev\/root|^\S+ \/ ext4 /m);
    assert.match(r.stdout, /^x$/m);
  });

  it('has the default devices', () => {
    const r = run([], ['sh', '-c', 'ls /dev; echo hi > /dev/null && head -c 4 /dev/zero | wc -c']);
    for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm']) {
      assert.match(r.stdout, new RegExp(`^${dev}$`, 'm'), dev);
    }
    assert.match(r.stdout, /^4$/m);
  });
});

describe('process settings', () => {
  it('applies -e, -w and --hostname', () => {
    const r = run(
      ['-e', 'GREETING=hi there', '-w', '/tmp', '--hostname', 'vmhost'],
      ['sh', '-c', 'echo "$GREETING"; pwd; hostname'],
    );
    assert.equal(r.stdout, 'hi there\n/tmp\nvmhost\n');
  });

  it("applies -u uid:gid and -u name from the image's /etc/passwd", () => {
    assert.equal(run(['-u', '1234:5678'], ['sh', '-c', 'id -u; id -g']).stdout, '1234\n5678\n');
    const r = run(['-u', 'app'], ['id']);
    assert.match(r.stdout, /uid=1000\(app\) gid=1000\(app\)/);
  });

  it("sets HOME from the image's /etc/passwd when the config does not", () => {
    assert.equal(run([], ['sh', '-c', 'echo $HOME']).stdout, '/root\n');
    assert.equal(run(['-u', 'app'], ['sh', '-c', 'echo $HOME']).stdout, '/home/app\n');
  });

  it('applies --ulimit nofile', () => {
    const r = run(['--ulimit', 'nofile=512:1024'], ['sh', '-c', 'ulimit -n; ulimit -Hn']);
    assert.equal(r.stdout, '512\n1024\n');
  });

  it("applies the image's ENV, WORKDIR, USER and ENTRYPOINT", () => {
    const dir = busyboxRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'df-img-')));
    fs.mkdirSync(path.join(dir, 'work'));
    fs.writeFileSync(
      path.join(dir, 'etc', 'passwd'),
      'root:x:0:0::/root:/bin/sh\nweb:x:33:33::/:/bin/sh\n',
    );
    fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\nweb:x:33:\n');
    importImage('dock-fire-test-entrypoint:latest', dir, [
      'ENV PATH=/bin MODE=image-env',
      'WORKDIR /work',
      'USER web',
      'ENTRYPOINT ["/bin/sh", "-c", "echo $MODE; pwd; id -un; echo \\"$@\\"", "entry"]',
    ]);
    const r = docker([
      'run',
      `--runtime=${RUNTIME}`,
      '--rm',
      'dock-fire-test-entrypoint:latest',
      'one',
      'two',
    ]);
    assert.equal(r.stdout, 'image-env\n/work\nweb\none two\n', r.stderr);
    docker(['rmi', 'dock-fire-test-entrypoint:latest']);
  });
});

describe("Docker's /etc files", () => {
  it('shows the hosts, hostname and resolv.conf Docker wrote', () => {
    const name = `df-etc-${process.pid}`;
    const r = docker([
      'run',
      `--runtime=${RUNTIME}`,
      '--name',
      name,
      '--hostname',
      'etc-test',
      IMAGE,
      'sh',
      '-c',
      'cat /etc/hostname; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf',
    ]);
    try {
      assert.equal(r.status, 0, r.stderr);
      const [hostname, hosts, resolv] = r.stdout.split('---\n');
      const inspect = JSON.parse(docker(['inspect', name]).stdout)[0];
      assert.equal(hostname, fs.readFileSync(inspect.HostnamePath, 'utf8'));
      assert.equal(hosts, fs.readFileSync(inspect.HostsPath, 'utf8'));
      assert.equal(resolv, fs.readFileSync(inspect.ResolvConfPath, 'utf8'));
    } finally {
      docker(['rm', '-f', name]);
    }
  });

  it('never follows a symlink in the image out of the rootfs on the host', () => {
    const victim = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'df-victim-')), 'hosts');
    fs.writeFileSync(victim, 'untouched\n');
    const dir = busyboxRoot(fs.mkdtempSync(path.join(os.tmpdir(), 'df-img-')));
    fs.symlinkSync(`/../../../../../../..${victim}`, path.join(dir, 'etc', 'hosts'));
    fs.symlinkSync('/../../../../../../../etc/shadow', path.join(dir, 'etc', 'resolv.conf'));
    importImage('dock-fire-test-symlinks:latest', dir, ['ENV PATH=/bin']);
    const r = docker([
      'run',
      `--runtime=${RUNTIME}`,
      '--rm',
      'dock-fire-test-symlinks:latest',
      'sh',
      '-c',
      'cat /etc/hosts',
    ]);
    docker(['rmi', 'dock-fire-test-symlinks:latest']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /localhost/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'untouched\n');
  });
});

describe('large output', () => {
  it('delivers 50 MB of stdout intact', () => {
    const size = 50 * 1024 * 1024;
    const r = run([], ['sh', '-c', `yes dock-fire-output-line | head -c ${size}`]);
    assert.equal(r.status, 0, r.stderr.slice(0, 500));
    assert.equal(r.stdout.length, size);
    const expected = crypto
      .createHash('sha256')
      .update(Buffer.from('dock-fire-output-line\n'.repeat(Math.ceil(size / 22))).subarray(0, size))
      .digest('hex');
    assert.equal(crypto.createHash('sha256').update(r.stdout).digest('hex'), expected);
  });
});

describe('detached containers', () => {
  it('docker wait returns the exit code and docker logs shows the output', () => {
    const id = detached(['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
    try {
      assert.equal(docker(['wait', id]).stdout.trim(), '3');
      const logs = docker(['logs', id]);
      assert.equal(logs.stdout, 'to-stdout\n');
      assert.equal(logs.stderr, 'to-stderr\n');
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it('docker kill ends a running container with 137', () => {
    const id = detached(['sleep', '300']);
    try {
      assert.equal(docker(['kill', id]).status, 0);
      assert.equal(docker(['wait', id]).stdout.trim(), '137');
    } finally {
      docker(['rm', '-f', id]);
    }
  });
});

describe('networks', () => {
  it('starts with --net=none: loopback only', () => {
    const r = run(['--net=none'], ['sh', '-c', 'ls /sys/class/net']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'lo');
  });

  it("starts on Docker's default bridge network", () => {
    const r = run([], ['echo', 'bridged']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'bridged\n');
  });
});
