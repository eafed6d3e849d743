/**
 * NAT mode, driven like runc (no Docker) inside network namespaces the test
 * makes: HOST stands in for the host, OUT for a machine beyond it, linked by
 * a link-local /30. The guest reaches a server on the host side of its link
 * and, masqueraded, one in OUT; nothing leaves this machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBundle, ROOT, type Bundle } from './lib/bundle';
import { RUNTIME, sh } from './lib/docker';
import { NAT_DIR } from './lib/leftovers';
import { httpServer, type Server } from './lib/servers';
import { until } from './lib/wait';

const HOST = 'df-e2e-nat-host';
const OUT = 'df-e2e-nat-out';

function ok(argv: string[]) {
  const r = sh(argv);
  assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** dock-fire in the HOST namespace with NAT mode on. */
function natArgv(args: string[]): string[] {
  return ['ip', 'netns', 'exec', HOST, 'env', 'DOCK_FIRE_NAT=1', RUNTIME, '--root', ROOT, ...args];
}

function natBundle(command: string): Bundle {
  const bundle = makeBundle(['sh', '-c', command]);
  for (const applet of ['wget', 'ip', 'awk', 'cat']) {
    const link = path.join(bundle.dir, 'rootfs', 'bin', applet);
    if (!fs.existsSync(link)) fs.symlinkSync('busybox', link);
  }
  return bundle;
}

/** What NAT mode could leave in HOST: tagged links and rules, and leases of id. */
function leftoversOf(id: string): string[] {
  const found: string[] = [];
  const links = JSON.parse(ok(['ip', '-n', HOST, '-j', 'link', 'show']) || '[]') as {
    ifname: string;
    ifalias?: string;
  }[];
  for (const l of links) if (l.ifalias?.startsWith('dock-fire:')) found.push(`link ${l.ifname}`);
  for (const table of ['filter', 'nat']) {
    const rules = ok(['ip', 'netns', 'exec', HOST, 'iptables', '-w', '-t', table, '-S']);
    for (const line of rules.split('\n')) if (line.includes('dock-fire:')) found.push(line);
  }
  try {
    const leases = JSON.parse(fs.readFileSync(`${NAT_DIR}/leases.json`, 'utf8')) as {
      id: string;
    }[];
    found.push(...leases.filter((l) => l.id === id).map((l) => `lease ${JSON.stringify(l)}`));
  } catch {
    // No lease file: no lease.
  }
  return found;
}

/** create + start in HOST; the monitor's stdio goes to a file, as the shim's pipes would. */
async function startDetached(id: string, bundle: Bundle): Promise<void> {
  const out = fs.openSync(path.join(bundle.dir, 'out'), 'w');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      natArgv(['create', '--bundle', bundle.dir, id])[0],
      natArgv(['create', '--bundle', bundle.dir, id]).slice(1),
      {
        stdio: ['ignore', out, out],
      },
    );
    child.on('exit', (c) => resolve(c ?? 1));
  });
  fs.closeSync(out);
  assert.equal(code, 0, fs.readFileSync(path.join(bundle.dir, 'out'), 'utf8'));
  ok(natArgv(['start', id]));
}

function monitorAndVmm(id: string): number[] {
  const state = JSON.parse(ok(natArgv(['state', id]))) as { pid: number };
  const children = ok(['pgrep', '-P', String(state.pid)])
    .trim()
    .split('\n')
    .map(Number);
  return [state.pid, ...children];
}

describe('NAT mode', () => {
  let hostServer: Server;
  let outServer: Server;

  before(async () => {
    for (const ns of [HOST, OUT]) {
      sh(['ip', 'netns', 'del', ns]);
      ok(['ip', 'netns', 'add', ns]);
      ok(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ok([
      'ip',
      'link',
      'add',
      'dfe2e-h',
      'netns',
      HOST,
      'type',
      'veth',
      'peer',
      'name',
      'dfe2e-o',
      'netns',
      OUT,
    ]);
    ok(['ip', '-n', HOST, 'address', 'add', '169.254.77.1/30', 'dev', 'dfe2e-h']);
    ok(['ip', '-n', OUT, 'address', 'add', '169.254.77.2/30', 'dev', 'dfe2e-o']);
    ok(['ip', '-n', HOST, 'link', 'set', 'dfe2e-h', 'up']);
    ok(['ip', '-n', OUT, 'link', 'set', 'dfe2e-o', 'up']);
    hostServer = await httpServer('0.0.0.0', 0, HOST);
    outServer = await httpServer('169.254.77.2', 0, OUT);
  });
  after(() => {
    hostServer?.stop();
    outServer?.stop();
    for (const ns of [HOST, OUT]) sh(['ip', 'netns', 'del', ns]);
  });

  it('gives the guest a /30 of the pool: it reaches the host side, and beyond it masqueraded', () => {
    const id = 'df-e2e-nat-run';
    const bundle = natBundle(
      'gw=$(ip route | awk "/^default/ {print \\$3}"); ip -o -4 addr show eth0; ' +
        `wget -q -O - http://$gw:${hostServer.port}/ && ` +
        `wget -q -O - http://169.254.77.2:${outServer.port}/`,
    );
    const r = sh(natArgv(['run', '--bundle', bundle.dir, id]));
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const guest = /inet (10\.0\.\d+\.\d+)\/30/.exec(r.stdout)?.[1];
    assert.ok(guest, r.stdout);
    assert.match(r.stdout, new RegExp(`hello ${guest.replace(/\./g, '\\.')}\\n`));
    assert.match(r.stdout, /hello 169\.254\.77\.1\n/);
    assert.deepEqual(leftoversOf(id), []);
  });

  it('tags its link and rules with the container id while it runs, and delete removes them', async () => {
    const id = 'df-e2e-nat-tags';
    await startDetached(id, natBundle('sleep 300'));
    try {
      const found = leftoversOf(id);
      assert.ok(
        found.some((f) => f.startsWith('link dfn')),
        found.join('\n'),
      );
      assert.equal(found.filter((f) => f.includes(`dock-fire:${id}`)).length, 3, found.join('\n'));
      assert.ok(
        found.some((f) => f.startsWith('lease')),
        found.join('\n'),
      );
    } finally {
      ok(natArgv(['delete', '--force', id]));
    }
    assert.deepEqual(leftoversOf(id), []);
  });

  it('leaves nothing after kill -9 of the monitor and the VMM mid-run, then delete', async () => {
    const id = 'df-e2e-nat-crash';
    await startDetached(id, natBundle('sleep 300'));
    const pids = monitorAndVmm(id);
    assert.equal(pids.length, 2, `monitor and VMM: ${pids}`);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await until(
      () => pids.every((p) => sh(['kill', '-0', String(p)]).status !== 0 || isZombie(p)),
      'the processes to die',
    );
    ok(natArgv(['delete', id]));
    assert.deepEqual(leftoversOf(id), []);
  });

  it('gc removes what a container whose state vanished left behind', async () => {
    const id = 'df-e2e-nat-gc';
    await startDetached(id, natBundle('sleep 300'));
    const pids = monitorAndVmm(id);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    fs.rmSync(path.join(ROOT, id), { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, `${id}.lock`), { recursive: true, force: true });
    assert.notDeepEqual(leftoversOf(id), []);
    const r = sh(natArgv(['gc']));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /removed NAT lease 10\.0\.\d+\.\d+\/30 of df-e2e-nat-gc/);
    assert.deepEqual(leftoversOf(id), []);
    fs.rmSync(`/var/lib/${RUNTIME}/${id}`, { recursive: true, force: true });
  });

  it('gives containers started in parallel distinct subnets', async () => {
    const ids = [0, 1, 2, 3].map((i) => `df-e2e-nat-par${i}`);
    try {
      await Promise.all(ids.map((id) => startDetached(id, natBundle('sleep 300'))));
      const addresses = ids.map((id) => {
        const out = ok(natArgv(['exec', id, 'ip', '-o', '-4', 'addr', 'show', 'eth0']));
        return /inet (10\.0\.\d+\.\d+)\/30/.exec(out)?.[1];
      });
      assert.ok(
        addresses.every((a) => a),
        addresses.join(' '),
      );
      assert.equal(new Set(addresses).size, 4, addresses.join(' '));
    } finally {
      for (const id of ids) sh(natArgv(['delete', '--force', id]));
    }
    for (const id of ids) assert.deepEqual(leftoversOf(id), []);
  });
});

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
