/**
 * The OCI lifecycle, driven like runc without Docker: create, start, state,
 * kill, delete, hooks, and what happens when the VMM or monitor is killed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { until } from './lib/wait';
import { dockFire, makeBundle, state, ROOT } from './lib/bundle';
import { leftovers, settledLeftovers } from './lib/leftovers';
import { RUNTIME, sh } from './lib/docker';

let counter = 0;
const newId = () => `e2e-${process.pid}-${++counter}`;

/** `dock-fire create` with stdout/stderr to files, as the shim would hand it pipes. */
function create(id: string, bundle: string, out: string, env = {}): Promise<number> {
  return new Promise((resolve) => {
    const fd = fs.openSync(out, 'w');
    const child = spawn(
      RUNTIME,
      ['--root', ROOT, 'create', '--bundle', bundle, '--pid-file', path.join(bundle, 'pid'), id],
      { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } },
    );
    child.on('exit', (code) => {
      fs.closeSync(fd);
      resolve(code ?? 1);
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function vmmPidOf(monitorPid: number): number | undefined {
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === monitorPid)
        return Number(pid);
    } catch {
      // raced with exit
    }
  }
  return undefined;
}

/** Creates a `sleep 300` container, runs fn with its id, and always deletes it. */
async function withSleeper(fn: (id: string) => Promise<void>) {
  const id = newId();
  const bundle = makeBundle(['sleep', '300']);
  assert.equal(await create(id, bundle.dir, path.join(bundle.dir, 'out')), 0);
  try {
    await fn(id);
  } finally {
    dockFire(['delete', '--force', id]);
  }
}

describe('OCI lifecycle', () => {
  it('does not run the process before start, then runs it once', async () => {
    const id = newId();
    const bundle = makeBundle(['sh', '-c', 'echo the-process-ran']);
    const out = path.join(bundle.dir, 'out');
    assert.equal(await create(id, bundle.dir, out), 0, fs.readFileSync(out, 'utf8'));
    try {
      assert.equal(state(id).status, 'created');
      assert.equal(Number(fs.readFileSync(path.join(bundle.dir, 'pid'), 'utf8')), state(id).pid);
      // The VM boots during create; give it time to do anything it wrongly would.
      await sleep(3000);
      assert.equal(fs.readFileSync(out, 'utf8'), '');
      assert.equal(dockFire(['start', id]).status, 0);
      await until(() => state(id).status === 'stopped', 'the container to stop');
      assert.equal(fs.readFileSync(out, 'utf8'), 'the-process-ran\n');
    } finally {
      dockFire(['delete', '--force', id]);
    }
  });

  it('reports created, running and stopped truthfully', () =>
    withSleeper(async (id) => {
      assert.equal(state(id).status, 'created');
      assert.equal(dockFire(['start', id]).status, 0);
      assert.equal(state(id).status, 'running');
      assert.equal(dockFire(['kill', id, 'KILL']).status, 0);
      await until(() => state(id).status === 'stopped', 'the container to stop');
      assert.equal(state(id).pid, 0);
      const list = JSON.parse(dockFire(['list', '--format', 'json']).stdout);
      assert.equal(list.find((c: { id: string }) => c.id === id).status, 'stopped');
    }));

  it('reports stopped after the VMM is killed from outside, and the monitor exits', () =>
    withSleeper(async (id) => {
      assert.equal(dockFire(['start', id]).status, 0);
      const monitor = state(id).pid;
      const vmm = vmmPidOf(monitor);
      assert.ok(vmm, 'the VMM runs as a child of the monitor');
      process.kill(vmm, 'SIGKILL');
      await until(() => state(id).status === 'stopped', 'stopped after the VMM died');
      await until(() => !processAlive(monitor), 'the monitor to exit');
    }));

  it('reports stopped after the monitor is killed from outside; the VMM dies with it', () =>
    withSleeper(async (id) => {
      assert.equal(dockFire(['start', id]).status, 0);
      const monitor = state(id).pid;
      const vmm = vmmPidOf(monitor) as number;
      process.kill(monitor, 'SIGKILL');
      await until(() => state(id).status === 'stopped', 'stopped after the monitor died');
      await until(() => !processAlive(vmm), 'the VMM to die with its monitor');
    }));

  it('kill --all reaches every process; without it TERM reaches only PID 1', async () => {
    const id = newId();
    const bundle = makeBundle(['sh', '-c', 'sleep 300 & sleep 300 & wait']);
    assert.equal(await create(id, bundle.dir, path.join(bundle.dir, 'out')), 0);
    try {
      assert.equal(dockFire(['start', id]).status, 0);
      // sh as PID 1 has no TERM handler, so TERM to it alone is ignored (as under runc).
      assert.equal(dockFire(['kill', id, 'TERM']).status, 0);
      await sleep(2000);
      assert.equal(state(id).status, 'running');
      assert.equal(dockFire(['kill', '--all', id, 'TERM']).status, 0);
      await until(() => state(id).status === 'stopped', 'the sleeps to die and sh to exit');
    } finally {
      dockFire(['delete', '--force', id]);
    }
  });

  it('a guest that cannot answer (frozen VM) is still ended by KILL', () =>
    withSleeper(async (id) => {
      assert.equal(dockFire(['start', id]).status, 0);
      const vmm = vmmPidOf(state(id).pid) as number;
      assert.equal(dockFire(['pause', id]).status, 0);
      assert.equal(state(id).status, 'paused');
      assert.equal(dockFire(['kill', id, 'KILL']).status, 0);
      await until(() => state(id).status === 'stopped', 'the monitor to end the frozen VM');
      await until(() => !processAlive(vmm), 'the VMM to be gone');
    }));

  it('a start that gives up on the guest ends the VM and leaves a stopped container', () =>
    withSleeper(async (id) => {
      const monitor = state(id).pid;
      const vmm = vmmPidOf(monitor) as number;
      // A VMM that never runs again: the guest can answer nothing.
      process.kill(vmm, 'SIGSTOP');
      const r = sh(['env', 'DOCK_FIRE_BOOT_TIMEOUT=1', RUNTIME, '--root', ROOT, 'start', id]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /did not start the process within 1 s \(raise bootTimeoutSeconds/);
      assert.equal(state(id).status, 'stopped');
      await until(() => !processAlive(monitor) && !processAlive(vmm), 'the monitor and VMM gone');
    }));

  it('start after the monitor was killed says so, and what to do', () =>
    withSleeper(async (id) => {
      const monitor = state(id).pid;
      process.kill(monitor, 'SIGKILL');
      await until(() => !processAlive(monitor), 'the monitor to die');
      const r = dockFire(['start', id]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /its monitor and VM ended before it started .* delete it and create/);
    }));

  it('run in the foreground passes its signals to the container, as runc run does', async () => {
    const id = newId();
    const script = 'trap "echo got-term; exit 3" TERM; echo up; sleep 300 & wait';
    const bundle = makeBundle(['sh', '-c', script]);
    const child = spawn(RUNTIME, ['--root', ROOT, 'run', '--bundle', bundle.dir, id], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await until(() => out.includes('up'), 'the container to start', 120_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 3);
      assert.match(out, /got-term/);
      assert.notEqual(dockFire(['state', id]).status, 0, 'run deleted the container');
    } finally {
      child.kill('SIGKILL');
      dockFire(['delete', '--force', id]);
    }
  });

  // QEMU's default paused the VM for good when the host's disk filled
  // under a drive, and the container hung.
  it("a host disk that fills under the guest's layer gives I/O errors, not a hung VM", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-small-'));
    assert.equal(sh(['mount', '-t', 'tmpfs', '-o', 'size=150m', 'df-small', dir]).status, 0);
    try {
      const env = { DOCK_FIRE_IMAGE_DIR: dir };
      const big = makeBundle(['true']);
      const out = path.join(big.dir, 'out');
      const refused = newId();
      // A layer that may grow past what the host has is refused up front.
      const code = await create(refused, big.dir, out, { ...env, DOCK_FIRE_DISK_FREE_MIB: '200' });
      assert.notEqual(code, 0);
      assert.match(fs.readFileSync(out, 'utf8'), /not enough disk space .* writable layer/);
      dockFire(['delete', '--force', refused]);

      const id = newId();
      const dd = 'dd if=/dev/zero of=/big bs=1M count=90 conv=fsync; echo dd=$?';
      const bundle = makeBundle(['sh', '-c', dd]);
      const log = path.join(bundle.dir, 'out');
      assert.equal(
        await create(id, bundle.dir, log, { ...env, DOCK_FIRE_DISK_FREE_MIB: '100' }),
        0,
      );
      try {
        // Then the host's disk fills, as other writers can make it.
        fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(100 * 1024 * 1024));
        assert.equal(dockFire(['start', id]).status, 0);
        await until(() => state(id).status === 'stopped', 'the container to end', 120_000);
        assert.match(fs.readFileSync(log, 'utf8'), /dd=1/);
      } finally {
        dockFire(['delete', '--force', id]);
      }
    } finally {
      sh(['umount', dir]);
      fs.rmdirSync(dir);
    }
  });

  it('runs createRuntime, prestart, poststart, poststop hooks, state on stdin', async () => {
    const id = newId();
    const bundle = makeBundle(['true']);
    const log = path.join(bundle.dir, 'hooks.log');
    const hook = (name: string) => ({
      path: '/bin/sh',
      args: ['sh', '-c', `{ printf '${name} '; cat; echo; } >> ${log}`],
    });
    bundle.config.hooks = {
      createRuntime: [hook('createRuntime')],
      prestart: [hook('prestart')],
      poststart: [hook('poststart')],
      poststop: [hook('poststop')],
    };
    bundle.save();
    assert.equal(await create(id, bundle.dir, path.join(bundle.dir, 'out')), 0);
    const pid = state(id).pid;
    assert.equal(dockFire(['start', id]).status, 0);
    await until(() => state(id).status === 'stopped', 'the container to stop');
    assert.equal(dockFire(['delete', id]).status, 0);

    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['createRuntime', 'prestart', 'poststart', 'poststop'],
    );
    const prestart = JSON.parse(lines[1].slice('prestart '.length));
    assert.equal(prestart.id, id);
    assert.equal(prestart.pid, pid);
    assert.equal(prestart.status, 'created');
    assert.equal(prestart.bundle, bundle.dir);
    // The network hook finds the container's netns through the pid: it is a new one.
    assert.equal(JSON.parse(lines[3].slice('poststop '.length)).status, 'stopped');
  });

  it('puts the container pid in a network namespace of its own', async () => {
    const id = newId();
    const bundle = makeBundle(['true']);
    assert.equal(await create(id, bundle.dir, path.join(bundle.dir, 'out')), 0);
    try {
      const pid = state(id).pid;
      assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/net`), fs.readlinkSync('/proc/self/ns/net'));
    } finally {
      dockFire(['delete', '--force', id]);
    }
  });

  it('delete leaves nothing behind; delete --force of an unknown id exits 0', async () => {
    const before = leftovers();
    const id = newId();
    const bundle = makeBundle(['sleep', '300']);
    assert.equal(await create(id, bundle.dir, path.join(bundle.dir, 'out')), 0);
    assert.equal(dockFire(['start', id]).status, 0);
    const running = dockFire(['delete', id]);
    assert.notEqual(running.status, 0);
    assert.match(running.stderr, /stop it first or use --force/);
    assert.equal(dockFire(['delete', '--force', id]).status, 0);
    assert.deepEqual(await settledLeftovers(before), before);
    assert.equal(dockFire(['delete', '--force', 'never-created']).status, 0);
    const unknown = dockFire(['delete', 'never-created']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /does not exist/);
  });
});

describe('without Docker', () => {
  it("dock-fire run exits with the container's code and cleans up", () => {
    const bundle = makeBundle(['sh', '-c', 'echo via-run; exit 5']);
    const r = dockFire(['run', '--bundle', bundle.dir, newId()]);
    assert.equal(r.stdout, 'via-run\n');
    assert.equal(r.status, 5);
    assert.deepEqual(
      fs.readdirSync(ROOT).filter((e) => e.startsWith(`e2e-${process.pid}`)),
      [],
    );
  });

  // systemd-based images link /etc/resolv.conf to a file that only exists
  // at run time; runc creates the link's target as the mount point.
  it('binds a file over a symlink whose target is missing, as runc does', () => {
    const bundle = makeBundle(['sh', '-c', 'cat /etc/resolv.conf; readlink /etc/resolv.conf']);
    const etc = path.join(bundle.dir, 'rootfs', 'etc');
    fs.mkdirSync(etc, { recursive: true });
    fs.rmSync(path.join(etc, 'resolv.conf'), { force: true });
    fs.symlinkSync('../run/systemd/resolve/stub-resolv.conf', path.join(etc, 'resolv.conf'));
    const source = path.join(bundle.dir, 'resolv.conf');
    fs.writeFileSync(source, 'nameserver 169.254.0.53\n');
    bundle.config.mounts.push({
      destination: '/etc/resolv.conf',
      type: 'bind',
      source,
      options: ['rbind', 'ro'],
    });
    bundle.save();
    const r = dockFire(['run', '--bundle', bundle.dir, newId()]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'nameserver 169.254.0.53\n../run/systemd/resolve/stub-resolv.conf\n');
    assert.equal(r.status, 0);
  });

  it('dock-fire features prints the runtime-spec features document', () => {
    const f = JSON.parse(dockFire(['features']).stdout);
    assert.equal(f.ociVersionMin, '1.0.0');
    assert.ok(f.hooks.includes('prestart'));
    assert.ok(f.linux.namespaces.includes('pid'));
  });

  it('dock-fire spec writes a config.json runc users recognise', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-spec-'));
    assert.equal(dockFire(['spec', '--bundle', dir]).status, 0);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(spec.root.path, 'rootfs');
    assert.notEqual(dockFire(['spec', '--bundle', dir]).status, 0);
  });

  it('accepts the global and per-verb flags the shim and go-runc pass', () => {
    const r = dockFire([
      '--debug',
      '--log',
      path.join(os.tmpdir(), 'df-log.json'),
      '--log-format',
      'json',
      '--systemd-cgroup',
      'delete',
      '--force',
      'never-created',
    ]);
    assert.equal(r.status, 0, r.stderr);
  });
});
