/**
 * Docker networks through the real chain: the guest's eth0 takes the address
 * Docker gave the container's namespace, and traffic between the host, runc
 * containers and dock-fire containers flows both ways. Servers run on this
 * machine only (the bridges' gateway addresses, loopback).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { detached, docker, ensureImage, IMAGE, run, RUNTIME, sh } from './lib/docker';
import { leftovers, settledLeftovers } from './lib/leftovers';
import { dnsServer, httpServer, type Server } from './lib/servers';
import { until } from './lib/wait';

/** Where Docker 20.10 tells every runtime to keep its state (runc's root). */
const DOCKER_STATE_ROOT = '/run/docker/runtime-runc/moby';

/** An HTTP server in the container on port 8080 serving "served by <name>". */
function httpd(name: string): string[] {
  return [
    'sh',
    '-c',
    `mkdir -p /www && echo served by ${name} > /www/index.html && exec httpd -f -p 8080 -h /www`,
  ];
}

/** GET from the host (busybox wget), retried until the container's server is up. */
async function hostGet(url: string): Promise<string> {
  let last = '';
  await until(() => {
    // busybox wget's own -T timeout crashes it (busybox 1.35): bound it from outside.
    const r = sh(['busybox', 'wget', '-q', '-O', '-', url], { timeoutMs: 10_000 });
    last = r.stdout || r.stderr;
    return r.status === 0;
  }, `GET ${url} (${last})`);
  return last;
}

function inspect(id: string, format: string): string {
  const r = docker(['inspect', '-f', format, id]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The host's address on a Docker network (the default bridge does not record it in IPAM). */
function gatewayOf(network: string): string {
  const r = docker(['network', 'inspect', '-f', '{{json .}}', network]);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    Id: string;
    IPAM: { Config: { Gateway?: string }[] };
    Options: Record<string, string>;
  };
  const recorded = info.IPAM.Config[0]?.Gateway;
  if (recorded) return recorded;
  const bridge = info.Options['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`;
  const addr = sh(['ip', '-j', '-4', 'address', 'show', 'dev', bridge]);
  return JSON.parse(addr.stdout)[0].addr_info[0].local;
}

function removeContainers(ids: string[]) {
  if (ids.length > 0) docker(['rm', '-f', ...ids]);
  ids.length = 0;
}

describe("Docker's default bridge", () => {
  let server: Server;
  let gateway: string;
  const containers: string[] = [];

  before(async () => {
    ensureImage();
    gateway = gatewayOf('bridge');
    server = await httpServer(gateway);
  });
  after(() => {
    server?.stop();
    removeContainers(containers);
  });

  it("the container reaches a server on the bridge's gateway address", () => {
    const r = run([], ['wget', '-q', '-O', '-', `http://${gateway}:${server.port}/`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^hello 172\.|^hello \d+\.\d+\.\d+\.\d+/);
  });

  it('the host reaches a server in the container by its bridge address', async () => {
    const id = detached(httpd('bridge'));
    containers.push(id);
    const address = inspect(id, '{{.NetworkSettings.IPAddress}}');
    assert.match(await hostGet(`http://${address}:8080/`), /served by bridge/);
  });

  it('-p 127.0.0.1:HOSTPORT:8080 publishes the container port on the host loopback', async () => {
    const id = detached(httpd('published'), ['-p', '127.0.0.1::8080']);
    containers.push(id);
    const r = docker(['port', id, '8080']);
    assert.equal(r.status, 0, r.stderr);
    const hostPort = r.stdout.trim().split(':').pop();
    assert.match(await hostGet(`http://127.0.0.1:${hostPort}/`), /served by published/);
  });

  it("the guest's eth0 has the MAC, address and default route Docker gave the container", () => {
    const id = detached(['sleep', '300']);
    containers.push(id);
    const mac = inspect(id, '{{.NetworkSettings.MacAddress}}');
    const address = inspect(id, '{{.NetworkSettings.IPAddress}}');
    const prefix = inspect(id, '{{.NetworkSettings.IPPrefixLen}}');
    const r = docker([
      'exec',
      id,
      'sh',
      '-c',
      'ip -o link show eth0; ip -o -4 addr show eth0; ip route',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`link/ether ${mac} `));
    assert.match(r.stdout, new RegExp(`inet ${address.replace(/\./g, '\\.')}/${prefix} `));
    assert.match(r.stdout, new RegExp(`default via ${gateway.replace(/\./g, '\\.')} dev eth0`));
  });

  it('kill -9 of the monitor and the VMM mid-run, then docker rm, leaves nothing behind', async () => {
    const before = leftovers();
    const id = detached(httpd('crash'), ['-p', '127.0.0.1::8080']);
    const monitor = Number(inspect(id, '{{.State.Pid}}'));
    const vmm = sh(['pgrep', '-P', String(monitor)])
      .stdout.trim()
      .split('\n')
      .map(Number);
    assert.equal(vmm.length, 1, `the VMM under monitor ${monitor}`);
    process.kill(vmm[0], 'SIGKILL');
    process.kill(monitor, 'SIGKILL');
    await until(() => inspect(id, '{{.State.Running}}') === 'false', 'docker to see the exit');
    assert.equal(docker(['rm', id]).status, 0);
    assert.deepEqual(await settledLeftovers(before), before);
  });

  it('/etc/resolv.conf, /etc/hosts and the hostname in the guest are the ones Docker wrote', () => {
    const id = detached(['sleep', '300'], ['--hostname', 'netcheck']);
    containers.push(id);
    for (const [file, field] of [
      ['/etc/resolv.conf', '{{.ResolvConfPath}}'],
      ['/etc/hosts', '{{.HostsPath}}'],
      ['/etc/hostname', '{{.HostnamePath}}'],
    ]) {
      const inGuest = docker(['exec', id, 'cat', file]);
      assert.equal(inGuest.status, 0, inGuest.stderr);
      const onHost = sh(['cat', inspect(id, field)]);
      assert.equal(inGuest.stdout, onHost.stdout, file);
    }
    assert.equal(docker(['exec', id, 'hostname']).stdout.trim(), 'netcheck');
  });
});

describe('network modes a VM cannot share', () => {
  it('--network container:NAME is refused in one line that says what to do', () => {
    const id = detached(['sleep', '300']);
    try {
      const r = run(['--network', `container:${id}`], ['true']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /--network container:NAME\) is not supported: .* one Docker network/);
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it('a second network at start is refused in one line, and nothing is left behind', async () => {
    for (const n of ['dock-fire-e2e-n1', 'dock-fire-e2e-n2']) {
      docker(['network', 'rm', n]);
      assert.equal(docker(['network', 'create', n]).status, 0);
    }
    const created = docker([
      'create',
      `--runtime=${RUNTIME}`,
      '--network',
      'dock-fire-e2e-n1',
      IMAGE,
      'sleep',
      '300',
    ]);
    const id = created.stdout.trim();
    try {
      assert.equal(docker(['network', 'connect', 'dock-fire-e2e-n2', id]).status, 0);
      const r = docker(['start', id]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /has 2 interfaces \(eth0, eth1\); a dock-fire guest has one/);
      // Docker deletes the task of a failed start; with the VM still running
      // containerd would refuse, and the VM and its state would stay behind.
      await until(() => !fs.existsSync(`${DOCKER_STATE_ROOT}/${id}`), 'the state to go');
    } finally {
      docker(['rm', '-f', id]);
      for (const n of ['dock-fire-e2e-n1', 'dock-fire-e2e-n2']) docker(['network', 'rm', n]);
    }
    assert.equal(fs.existsSync(`${DOCKER_STATE_ROOT}/${id}`), false);
  });

  it('--network none leaves the guest loopback only', () => {
    const r = run(['--network', 'none'], ['sh', '-c', 'ls /sys/class/net; ip route']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'lo\n');
  });
});

describe('an IPv6 network', () => {
  const network = 'dock-fire-e2e-net6';
  before(() => {
    ensureImage();
    docker(['network', 'rm', network]);
    const r = docker(['network', 'create', '--ipv6', '--subnet', 'fd00:df1::/64', network]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => docker(['network', 'rm', network]));

  it("the guest has Docker's IPv6 address, its prefix route once, and reaches the gateway", () => {
    const script = 'ip -6 addr show dev eth0; ip -6 route; ping6 -c 1 -W 10 fd00:df1::1';
    const r = run(['--network', network], ['sh', '-c', script]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /inet6 fd00:df1::\w+\/64 scope global/);
    // The guest kernel makes the prefix route from the address; a copy of
    // the host's route came out a second time at another metric.
    assert.equal(r.stdout.match(/^fd00:df1::\/64 /gm)?.length, 1, r.stdout);
    assert.match(r.stdout, /default via fd00:df1::1 dev eth0/);
    assert.match(r.stdout, /1 packets received/);
  });
});

describe('a user-defined bridge network', () => {
  const network = 'dock-fire-e2e-net';
  const containers: string[] = [];
  let gateway: string;

  before(() => {
    ensureImage();
    docker(['network', 'rm', network]);
    const r = docker(['network', 'create', network]);
    assert.equal(r.status, 0, r.stderr);
    gateway = gatewayOf(network);
  });
  after(() => {
    removeContainers(containers);
    docker(['network', 'rm', network]);
  });

  it("two dock-fire containers reach each other by name (Docker's DNS, relayed)", async () => {
    containers.push(detached(httpd('df-a'), ['--network', network, '--name', 'df-e2e-a']));
    let r = run(['--network', network], ['sh', '-c', 'cat /etc/resolv.conf; nslookup df-e2e-a']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /nameserver 127\.0\.0\.11/);
    await until(() => {
      r = run(['--network', network], ['wget', '-q', '-O', '-', 'http://df-e2e-a:8080/']);
      return r.status === 0;
    }, 'a dock-fire client reaching df-e2e-a');
    assert.match(r.stdout, /served by df-a/);
  });

  it('a runc container and a dock-fire container reach each other by name', async () => {
    containers.push(
      docker([
        'run',
        '-d',
        '--runtime=runc',
        '--network',
        network,
        '--name',
        'df-e2e-runc',
        IMAGE,
        ...httpd('runc'),
      ]).stdout.trim(),
    );
    containers.push(detached(httpd('df-b'), ['--network', network, '--name', 'df-e2e-b']));
    const get = (runtime: string, host: string) =>
      docker([
        'run',
        '--rm',
        `--runtime=${runtime}`,
        '--network',
        network,
        IMAGE,
        'wget',
        '-q',
        '-O',
        '-',
        `http://${host}:8080/`,
      ]);
    let r = get(RUNTIME, 'df-e2e-runc');
    await until(() => (r = get(RUNTIME, 'df-e2e-runc')).status === 0, 'dock-fire -> runc');
    assert.match(r.stdout, /served by runc/);
    await until(() => (r = get('runc', 'df-e2e-b')).status === 0, 'runc -> dock-fire');
    assert.match(r.stdout, /served by df-b/);
  });

  it("names outside the network resolve through Docker's DNS forwarding to --dns", async () => {
    const upstream = await dnsServer(gateway);
    try {
      const r = run(['--network', network, '--dns', gateway], ['nslookup', 'anything.example']);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /192\.0\.2\.123/);
    } finally {
      upstream.stop();
    }
  });

  // Under TCG this once failed 1 run in 3: a starved guest failed the
  // kernel's boot-time timer check and panicked (fixed by no_timer_check).
  it('20 containers started at once all get working, distinct addresses', async () => {
    const server = await httpServer(gateway);
    try {
      const runs = Array.from(
        { length: 20 },
        (_, i) =>
          new Promise<{ code: number; stderr: string }>((resolve) => {
            const url = `http://${gateway}:${server.port}/${i}`;
            const argv = ['run', '--rm', `--runtime=${RUNTIME}`, '--network', network, IMAGE];
            const child = spawn('docker', [...argv, 'wget', '-q', '-O', '/dev/null', url], {
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let stderr = '';
            child.stderr.on('data', (d) => (stderr += d));
            child.on('exit', (code) => resolve({ code: code ?? 128, stderr }));
          }),
      );
      const failed = (await Promise.all(runs)).filter((r) => r.code !== 0);
      assert.deepEqual(failed, []);
      assert.equal(new Set(server.clients).size, 20, server.clients.join(' '));
    } finally {
      server.stop();
    }
  });
});
