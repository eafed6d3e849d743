/**
 * Resource limits through dockerd: --cpus, --cpuset-cpus and --memory size
 * the VM and bound its host side (the container's cgroup holds the monitor
 * and the VMM); docker stats and docker update see and change that cgroup;
 * delete removes it. Run on a cgroup v1 host with Docker's cgroupfs driver.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { dockFire, makeBundle, ROOT } from './lib/bundle';
import { detached, docker, ensureImage, run, IMAGE, RUNTIME } from './lib/docker';
import { until } from './lib/wait';

before(() => ensureImage());

const MIB = 1024 * 1024;
const CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids', 'blkio'];

/** A file of the container's v1 cgroup (Docker's cgroupfs path /docker/<id>). */
function cgroupFile(controller: string, id: string, file: string): string {
  return fs.readFileSync(`/sys/fs/cgroup/${controller}/docker/${id}/${file}`, 'utf8').trim();
}

function cgroupDirs(id: string): string[] {
  return CONTROLLERS.map((c) => `/sys/fs/cgroup/${c}/docker/${id}`).filter((d) => fs.existsSync(d));
}

/** The guest's MemTotal in MiB. */
function guestMemTotalMiB(flags: string[]): number {
  const r = run(flags, ['sh', '-c', "grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2"]);
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim()) / 1024;
}

async function withContainer(flags: string[], fn: (id: string) => Promise<void> | void) {
  const id = detached(['sleep', '600'], flags);
  try {
    await fn(id);
  } finally {
    docker(['rm', '-f', id]);
  }
}

describe('VM size from docker run flags', () => {
  it('gives a VM 1 vCPU and 128 MiB by default', () => {
    const r = run([], ['nproc']);
    assert.equal(r.stdout.trim(), '1', r.stderr);
    const mem = guestMemTotalMiB([]);
    assert.ok(mem > 100 && mem <= 128, `MemTotal ${mem} MiB`);
  });

  it('sizes vCPUs from --cpus, rounding up, and from --cpuset-cpus', () => {
    assert.equal(run(['--cpus', '1.5'], ['nproc']).stdout.trim(), '2');
    assert.equal(run(['--cpuset-cpus', '0-1'], ['nproc']).stdout.trim(), '2');
  });

  it('sizes guest RAM as --memory minus the VMM overhead', () => {
    const mem = guestMemTotalMiB(['--memory', '256m']);
    // 256 MiB minus QEMU's 80 MiB allowance (Firecracker's is 32 MiB).
    assert.ok(mem > 120 && mem <= 224, `MemTotal ${mem} MiB`);
  });

  it('refuses a --memory too small to boot in one line, leaving no cgroup', () => {
    // Without --rm, so that the failed container's id is there to look for.
    const name = `df-res-small-${process.pid}`;
    const r = docker(['run', `--runtime=${RUNTIME}`, '--name', name, '--memory', '64m', IMAGE]);
    try {
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /--memory 64m is too small for a microVM: it needs at least 144m/);
      const id = docker(['inspect', '-f', '{{.Id}}', name]).stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.deepEqual(cgroupDirs(id), []);
    } finally {
      docker(['rm', '-f', name]);
    }
  });
});

describe('host-side limits in the container cgroup', () => {
  it('writes --memory, --cpus, --cpuset-cpus and --pids-limit where runc would', async () => {
    const flags = ['--memory', '256m', '--cpus', '1.5', '--cpuset-cpus', '0-1'];
    await withContainer([...flags, '--pids-limit', '200'], (id) => {
      const pids = docker(['update', '--pids-limit', '60', id]);
      assert.notEqual(pids.status, 0);
      assert.match(pids.stderr, /--pids-limit is kept by the guest kernel and fixed/);
      assert.equal(cgroupFile('memory', id, 'memory.limit_in_bytes'), String(256 * MIB));
      assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us'), '150000');
      assert.equal(cgroupFile('cpu', id, 'cpu.cfs_period_us'), '100000');
      assert.equal(cgroupFile('cpuset', id, 'cpuset.cpus'), '0-1');
      assert.equal(cgroupFile('pids', id, 'pids.max'), '200');
      // The monitor and its VMM are both inside: the limits bound the VM.
      const procs = cgroupFile('memory', id, 'cgroup.procs').split('\n');
      assert.ok(procs.length >= 2, `cgroup.procs: ${procs.join(' ')}`);
    });
  });

  it('a guest that uses all its RAM does not get the VMM OOM-killed on the host', async () => {
    // The page cache of a write larger than guest RAM touches every page of it.
    const fill =
      'dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>/dev/null; ' +
      'grep MemFree /proc/meminfo; echo filled; sleep 600';
    const id = detached(['sh', '-c', fill], ['--memory', '256m']);
    try {
      await until(() => /filled/.test(docker(['logs', id]).stdout), 'the guest to fill its RAM');
      const free = Number(/MemFree:\s+(\d+) kB/.exec(docker(['logs', id]).stdout)?.[1]);
      assert.ok(free < 16 * 1024, `guest MemFree ${free} kB: the guest did not use its RAM`);
      assert.equal(docker(['inspect', '-f', '{{.State.Running}}', id]).stdout.trim(), 'true');
      const oom = cgroupFile('memory', id, 'memory.oom_control');
      assert.match(oom, /oom_kill 0/, oom);
      const peak = Number(cgroupFile('memory', id, 'memory.max_usage_in_bytes'));
      assert.ok(peak <= 256 * MIB, `peak ${peak / MIB} MiB`);
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it("docker stats shows the VM's memory usage against the --memory limit", async () => {
    await withContainer(['--memory', '256m'], (id) => {
      const r = docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', id]);
      assert.equal(r.status, 0, r.stderr);
      const [usage, limit] = r.stdout.trim().split(' / ');
      assert.equal(limit, '256MiB');
      assert.match(usage, /^[\d.]+MiB$/);
      assert.ok(parseFloat(usage) > 5, `usage ${usage}`);
    });
  });

  it('docker rm removes the cgroup of every controller', async () => {
    const id = detached(['sleep', '600'], ['--memory', '256m']);
    assert.equal(cgroupDirs(id).length, CONTROLLERS.length);
    docker(['rm', '-f', id]);
    await until(() => cgroupDirs(id).length === 0, 'the cgroups to go');
  });
});

describe('--pids-limit in the guest', () => {
  it('stops the container forking past the limit, as runc does', () => {
    const script =
      'read n < /sys/fs/cgroup/container/pids.max; echo max $n; ' +
      'i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done';
    const r = run(['--pids-limit', '10'], ['sh', '-c', script]);
    assert.equal(r.stdout, 'max 10\n', r.stderr);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /can't fork: Resource temporarily unavailable/);
  });

  it("counts docker exec's processes in the same limit", async () => {
    await withContainer(['--pids-limit', '2'], (id) => {
      const one = docker(['exec', id, 'true']);
      assert.equal(one.status, 0, one.stderr);
      const two = docker(['exec', id, 'sh', '-c', 'sleep 1 & wait']);
      assert.notEqual(two.status, 0);
      assert.match(two.stderr, /can't fork: Resource temporarily unavailable/);
    });
  });
});

describe('docker update', () => {
  it('changes the CPU quota of a running VM', async () => {
    await withContainer(['--cpus', '2'], (id) => {
      const r = docker(['update', '--cpus', '0.5', id]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us'), '50000');
    });
  });

  it('refuses in one line what needs another VM size, changing nothing', async () => {
    await withContainer(['--memory', '256m', '--memory-swap', '1g'], (id) => {
      const cpus = docker(['update', '--cpus', '2', id]);
      assert.notEqual(cpus.status, 0);
      assert.match(cpus.stderr, /--cpus 2 needs 2 vCPUs but the VM has 1/);
      const mem = docker(['update', '--memory', '512m', id]);
      assert.notEqual(mem.status, 0);
      assert.match(mem.stderr, /--memory 512m would need a VM with other RAM than its \d+ MiB/);
      const pids = docker(['update', '--pids-limit', '60', id]);
      assert.notEqual(pids.status, 0);
      assert.match(pids.stderr, /--pids-limit is kept by the guest kernel and fixed/);
      assert.equal(cgroupFile('memory', id, 'memory.limit_in_bytes'), String(256 * MIB));
      assert.equal(cgroupFile('cpu', id, 'cpu.cfs_quota_us'), '-1');
    });
  });
});

describe('limits without Docker', () => {
  it('a limit the kernel refuses fails create in one line and leaves no cgroup or state', () => {
    const id = `e2e-res-${process.pid}`;
    const bundle = makeBundle(['true']);
    // Docker would refuse a quota under 1 ms itself; the kernel says EINVAL.
    bundle.config.linux.cgroupsPath = `/${id}`;
    bundle.config.linux.resources = { cpu: { quota: 500, period: 100000 } };
    bundle.save();
    const r = dockFire(['run', '--bundle', bundle.dir, id]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cgroup \/e2e-res-\d+: writing "500" to cpu.cfs_quota_us: .*invalid/i);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    const dirs = CONTROLLERS.map((c) => `/sys/fs/cgroup/${c}/${id}`).filter((d) =>
      fs.existsSync(d),
    );
    assert.deepEqual(dirs, []);
    assert.ok(!fs.existsSync(`${ROOT}/${id}`), 'state directory left behind');
  });

  it('annotations size the VM: dock-fire.vcpus, dock-fire.memory-mib, dock-fire.disk-mib', () => {
    // Docker 20.10 cannot pass annotations; other OCI clients (CRI) do.
    const script =
      "nproc; grep MemTotal /proc/meminfo; df -m / | tail -1 | tr -s ' ' | cut -d' ' -f2";
    const bundle = makeBundle(['sh', '-c', script]);
    bundle.config.annotations = {
      'dock-fire.vcpus': '2',
      'dock-fire.memory-mib': '200',
      'dock-fire.disk-mib': '100',
    };
    bundle.save();
    const r = dockFire(['run', '--bundle', bundle.dir, `e2e-res-ann-${process.pid}`]);
    assert.equal(r.status, 0, r.stderr);
    const [cpus, mem, disk] = r.stdout.trim().split('\n');
    assert.equal(cpus, '2');
    const memMiB = Number(/(\d+) kB/.exec(mem)?.[1]) / 1024;
    assert.ok(memMiB > 150 && memMiB <= 200, `MemTotal ${memMiB} MiB`);
    assert.ok(Number(disk) > 80 && Number(disk) <= 100, `root drive ${disk} MiB`);
  });
});
