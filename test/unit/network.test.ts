import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loopbackNameserver } from '../../src/network/dns-relay';
import { guestResolvConf } from '../../src/network/host-dns';
import { parseLinks, parseRoutes } from '../../src/network/inspect';
import { splitRule } from '../../src/network/iptables';
import { formatIpv4, parseCidr, parseIpv4 } from '../../src/network/ipv4';
import { hostLinkName, ownerOf, ownerTag, tapName } from '../../src/network/names';
import { allocate, release, withLeases, type Lease } from '../../src/network/nat-leases';

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'df-net-'));
}

describe('names of network devices', () => {
  it('carry the start of the container id and fit IFNAMSIZ', () => {
    const id = 'f'.repeat(64);
    assert.match(tapName(id), /^dftffffffff[0-9a-f]{4}$/);
    assert.match(hostLinkName(id), /^dfnffffffff[0-9a-f]{4}$/);
    assert.equal(tapName('short'), 'dftshort');
    assert.equal(tapName('a b').length, 15);
  });

  it('stay apart for ids that share a long prefix', () => {
    assert.notEqual(hostLinkName('nat-container-1'), hostLinkName('nat-container-2'));
  });

  it('tag the full id in aliases and comments, and read it back', () => {
    assert.equal(ownerTag('abc'), 'dock-fire:abc');
    assert.equal(ownerOf('dock-fire:abc'), 'abc');
    assert.equal(ownerOf('docker0'), undefined);
  });
});

describe('IPv4 networks', () => {
  it('parse and format addresses', () => {
    assert.equal(parseIpv4('10.0.3.4'), 0x0a000304);
    assert.equal(formatIpv4(0x0a000304), '10.0.3.4');
    assert.throws(() => parseIpv4('10.0.300.1'), /not an IPv4 address/);
  });

  it('refuse a network with host bits set, naming the right one', () => {
    assert.throws(() => parseCidr('10.0.0.1/16'), /the network is 10\.0\.0\.0\/16/);
  });
});

describe('NAT leases', () => {
  const pool = '10.0.0.0/16';
  const owner = (id: string, dir: string) => ({ id, stateDir: dir });

  it('give each container the lowest free /30, with .1 for the host and .2 for the guest', () => {
    const dir = tmpdir();
    const leases: Lease[] = [];
    const a = allocate(leases, pool, owner('a', dir), []);
    const b = allocate(leases, pool, owner('b', dir), []);
    assert.deepEqual(a, {
      subnet: '10.0.0.0/30',
      hostAddress: '10.0.0.1',
      guestAddress: '10.0.0.2',
      prefix: 30,
    });
    assert.equal(b.subnet, '10.0.0.4/30');
  });

  it('skip subnets the host already uses and reuse released ones', () => {
    const dir = tmpdir();
    const leases: Lease[] = [];
    const inUse = [parseCidr('10.0.0.0/29')];
    assert.equal(allocate(leases, pool, owner('a', dir), inUse).subnet, '10.0.0.8/30');
    assert.equal(allocate(leases, pool, owner('b', dir), inUse).subnet, '10.0.0.12/30');
    assert.equal(release(leases, owner('a', dir)), true);
    assert.equal(allocate(leases, pool, owner('c', dir), inUse).subnet, '10.0.0.8/30');
  });

  it("say so when the host's own networks cover the whole pool, and when leases fill it", () => {
    const dir = tmpdir();
    const small = '10.9.0.0/29';
    assert.throws(
      () => allocate([], small, owner('a', dir), [parseCidr('10.9.0.0/16')]),
      /the NAT pool 10\.9\.0\.0\/29 lies within this host's own networks: set natPool/,
    );
    const leases: Lease[] = [];
    allocate(leases, small, owner('a', dir), []);
    allocate(leases, small, owner('b', dir), []);
    assert.throws(() => allocate(leases, small, owner('c', dir), []), /has no free \/30 left/);
  });

  it('free the lease of a container whose state directory is gone', () => {
    const leases: Lease[] = [{ subnet: '10.0.0.0/30', id: 'gone', stateDir: '/nonexistent/x' }];
    assert.equal(allocate(leases, pool, owner('new', tmpdir()), []).subnet, '10.0.0.0/30');
    assert.deepEqual(
      leases.map((l) => l.id),
      ['new'],
    );
  });

  it('refuse a second container of one id under another root while the first is alive', () => {
    const leases: Lease[] = [];
    allocate(leases, pool, owner('same', tmpdir()), []);
    assert.throws(() => allocate(leases, pool, owner('same', tmpdir()), []), /ids must be unique/);
  });

  it('say what to do when the pool is exhausted', () => {
    const dir = tmpdir();
    const leases: Lease[] = [];
    allocate(leases, '10.9.0.0/29', owner('a', dir), []);
    allocate(leases, '10.9.0.0/29', owner('b', dir), []);
    assert.throws(
      () => allocate(leases, '10.9.0.0/29', owner('c', dir), []),
      /no free \/30 left \(raise natPool/,
    );
  });

  it('never give one subnet to two of many parallel allocations', async () => {
    const dir = tmpdir();
    const stateDir = tmpdir();
    const script = `
      const { withLeases, allocate } = require(${JSON.stringify(
        path.join(__dirname, '../../src/network/nat-leases.js'),
      )});
      withLeases(process.argv[1], (l) => allocate(l, '10.0.0.0/16',
        { id: process.argv[2], stateDir: process.argv[3] }, []))
        .then((a) => process.stdout.write(a.subnet));`;
    const runs = Array.from(
      { length: 12 },
      (_, i) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script, dir, `c${i}`, stateDir]);
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) =>
            code === 0 ? resolve(out) : reject(new Error(`exit ${code}`)),
          );
        }),
    );
    const subnets = await Promise.all(runs);
    assert.equal(new Set(subnets).size, 12);
    const leases = await withLeases(dir, (l) => l.map((x) => x.subnet));
    assert.equal(leases.length, 12);
  });
});

describe('reading the namespace', () => {
  const addr = JSON.stringify([
    { ifname: 'lo', link_type: 'loopback', addr_info: [] },
    {
      ifname: 'eth0',
      link_type: 'ether',
      address: '02:42:ac:11:00:02',
      mtu: 1450,
      addr_info: [
        { family: 'inet', local: '172.17.0.2', prefixlen: 16, scope: 'global' },
        { family: 'inet6', local: 'fd00::2', prefixlen: 64, scope: 'global' },
        { family: 'inet6', local: 'fe80::42:acff:fe11:2', prefixlen: 64, scope: 'link' },
      ],
    },
    { ifname: 'dft123', link_type: 'ether', address: '9a:00:00:00:00:01', addr_info: [] },
  ]);

  it('finds the ethernet link with its MAC, MTU and global addresses, not the TAP', () => {
    assert.deepEqual(parseLinks(addr, ['dft123']), [
      {
        name: 'eth0',
        mac: '02:42:ac:11:00:02',
        mtu: 1450,
        addresses: [
          { family: 4, address: '172.17.0.2', prefix: 16 },
          { family: 6, address: 'fd00::2', prefix: 64 },
        ],
      },
    ]);
  });

  it('keeps the unicast routes through the link, with default as 0/0', () => {
    const routes = JSON.stringify([
      { dst: 'default', gateway: '172.17.0.1', dev: 'eth0' },
      { dst: '172.17.0.0/16', dev: 'eth0', scope: 'link' },
      { dst: '10.5.0.0/16', dev: 'other' },
    ]);
    assert.deepEqual(parseRoutes(routes, 4, 'eth0'), [
      { family: 4, destination: '0.0.0.0', prefix: 0, gateway: '172.17.0.1' },
      { family: 4, destination: '172.17.0.0', prefix: 16, gateway: undefined },
    ]);
    const v6 = JSON.stringify([
      { dst: 'fe80::/64', dev: 'eth0' },
      { dst: 'fd00::/64', dev: 'eth0' },
      { dst: 'fd00:1::/64', dev: 'eth0', protocol: 'kernel', metric: 256 },
      { dst: 'default', gateway: 'fd00:1::1', dev: 'eth0', metric: 1024 },
    ]);
    assert.deepEqual(parseRoutes(v6, 6, 'eth0'), [
      { family: 6, destination: 'fd00::', prefix: 64, gateway: undefined },
      { family: 6, destination: '::', prefix: 0, gateway: 'fd00:1::1' },
    ]);
  });

  it('reports output it cannot read', () => {
    assert.throws(() => parseLinks('{"not":"a list"}'), /unexpected output of ip address show/);
  });
});

describe('DNS relay address', () => {
  it("is the first loopback nameserver of the container's resolv.conf", () => {
    const text = 'search x\nnameserver 127.0.0.11\noptions ndots:0\n';
    assert.equal(loopbackNameserver(text), '127.0.0.11');
    assert.equal(loopbackNameserver('nameserver 192.0.2.53\n'), undefined);
    assert.equal(loopbackNameserver('nameserver 127.0.0.300\n'), undefined);
  });
});

describe('iptables rule lines', () => {
  it('split with the quoted comment as one word', () => {
    const line = '-A FORWARD -i dfnx -m comment --comment "dock-fire:a b" -j ACCEPT';
    assert.deepEqual(splitRule(line), [
      '-A', 'FORWARD', '-i', 'dfnx', '-m', 'comment', '--comment', 'dock-fire:a b', '-j', 'ACCEPT',
    ]); // prettier-ignore
  });
});

describe("NAT mode's resolv.conf", () => {
  const write = (text: string) => {
    const file = path.join(tmpdir(), 'resolv.conf');
    fs.writeFileSync(file, text);
    return file;
  };

  it("is the host's, without loopback servers a guest cannot reach", () => {
    const host = write('search lan\nnameserver 127.0.0.1\nnameserver 192.0.2.53\n');
    assert.equal(guestResolvConf(host, '/nonexistent'), 'search lan\nnameserver 192.0.2.53\n');
  });

  it("takes systemd-resolved's upstream servers instead of its 127.0.0.53 stub", () => {
    const host = write('nameserver 127.0.0.53\noptions edns0\n');
    const upstream = write('nameserver 198.51.100.7\n');
    assert.equal(guestResolvConf(host, upstream), 'nameserver 198.51.100.7\n');
  });

  it('is absent when no reachable server is left', () => {
    assert.equal(guestResolvConf(write('nameserver 127.0.0.1\n'), '/nonexistent'), undefined);
    assert.equal(guestResolvConf('/nonexistent', '/nonexistent'), undefined);
  });
});
