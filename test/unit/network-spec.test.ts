import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GuestNetwork,
  MAX_ADDRESSES,
  MAX_ROUTES,
  encodeNetwork,
} from '../../src/agent/network-spec';
import { hex, readVectors } from './vectors';

/** A net-spec vector's notation: "-" or "ADDR/PREFIX[@GATEWAY],...". */
function fromVector(fields: Record<string, string>): GuestNetwork {
  const list = (text: string): string[] => (text === '-' ? [] : text.split(','));
  const family = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);
  return {
    mac: fields.mac,
    mtu: Number(fields.mtu),
    addresses: list(fields.addrs).map((a) => {
      const [address, prefix] = a.split('/');
      return { family: family(address), address, prefix: Number(prefix) };
    }),
    routes: list(fields.routes).map((r) => {
      const [network, gateway] = r.split('@');
      const [destination, prefix] = network.split('/');
      return { family: family(destination), destination, prefix: Number(prefix), gateway };
    }),
    dnsRelay: fields.dns === '-' ? undefined : fields.dns,
  };
}

function docker(): GuestNetwork {
  return {
    mac: '02:42:ac:11:00:02',
    mtu: 1500,
    addresses: [{ family: 4, address: '172.17.0.2', prefix: 16 }],
    routes: [{ family: 4, destination: '0.0.0.0', prefix: 0, gateway: '172.17.0.1' }],
  };
}

describe('network records (shared vectors)', () => {
  const vectors = readVectors().filter((v) => v.kind === 'net-spec');
  it('has vectors to check', () => assert.ok(vectors.length >= 2));
  for (const v of vectors) {
    it(`encodes net-spec "${v.name}" to the shared bytes`, () => {
      assert.equal(
        encodeNetwork(fromVector(v.fields)).toString('hex'),
        hex(v.fields.hex).toString('hex'),
      );
    });
  }
});

describe('encodeNetwork', () => {
  it('writes IPv6 addresses in full, with "::" and an embedded IPv4 part', () => {
    const net = docker();
    net.addresses = [{ family: 6, address: '::ffff:10.0.0.1', prefix: 128 }];
    net.routes = [];
    const record = encodeNetwork(net).subarray(16);
    assert.equal(record.toString('hex'), '1400120000000680' + '00000000000000000000ffff0a000001');
  });

  it('takes the most addresses and routes init allows, and refuses one more', () => {
    const net = docker();
    net.addresses = Array.from({ length: MAX_ADDRESSES }, (_, i) => ({
      family: 4 as const,
      address: `10.0.0.${i + 1}`,
      prefix: 24,
    }));
    net.routes = Array.from({ length: MAX_ROUTES }, (_, i) => ({
      family: 4 as const,
      destination: `10.1.${i}.0`,
      prefix: 24,
    }));
    assert.ok(encodeNetwork(net).length > 0);
    net.addresses.push({ family: 4, address: '10.0.0.99', prefix: 24 });
    assert.throws(() => encodeNetwork(net), /17 addresses, over the limit of 16/);
    net.addresses.pop();
    net.routes.push({ family: 4, destination: '10.2.0.0', prefix: 16 });
    assert.throws(() => encodeNetwork(net), /33 routes, over the limit of 32/);
  });

  const refusals: [string, (net: GuestNetwork) => void, RegExp][] = [
    ['a malformed MAC', (n) => (n.mac = '02:42:ac:11:00'), /MAC "02:42:ac:11:00" is malformed/],
    ['a multicast MAC', (n) => (n.mac = '01:00:5e:00:00:01'), /not a unicast address/],
    ['an MTU under 68', (n) => (n.mtu = 67), /MTU 67 is not in 68\.\.65535/],
    ['a fractional MTU', (n) => (n.mtu = 1500.5), /MTU 1500.5/],
    [
      'an IPv6 address marked IPv4',
      (n) => (n.addresses[0] = { family: 4, address: 'fd00::1', prefix: 24 }),
      /address "fd00::1" is not an IPv4 address/,
    ],
    ['a prefix over 32', (n) => (n.addresses[0].prefix = 33), /prefix length 33, not 0\.\.32/],
    [
      'an IPv6 address with a zone',
      (n) => (n.addresses[0] = { family: 6, address: 'fe80::1%eth0', prefix: 64 }),
      /not an IPv6 address/,
    ],
    [
      'a route destination with host bits',
      (n) => (n.routes[0] = { family: 4, destination: '10.1.2.3', prefix: 24 }),
      /route to 10\.1\.2\.3\/24 has bits set past its prefix/,
    ],
    [
      'a gateway of the other family',
      (n) => (n.routes[0].gateway = 'fd00::1'),
      /route gateway "fd00::1" is not an IPv4 address/,
    ],
    [
      'a DNS relay outside 127.0.0.0/8',
      (n) => (n.dnsRelay = '10.0.0.1'),
      /DNS relay address "10\.0\.0\.1" is not an IPv4 address in 127\.0\.0\.0\/8/,
    ],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses ${what}`, () => {
      const net = docker();
      change(net);
      assert.throws(() => encodeNetwork(net), message);
    });
  }

  it('encodes an on-link route with an all-zero gateway', () => {
    const net = docker();
    net.addresses = [];
    net.routes = [{ family: 4, destination: '172.17.0.0', prefix: 16 }];
    const route = encodeNetwork(net).subarray(16);
    assert.equal(route.toString('hex'), '15000a0000000410ac11000000000000');
  });
});
