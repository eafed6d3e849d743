import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DOCKER_EMBEDDED_DNS, dnsRelayFor, monitorDnsRelay } from '../../src/network/dns-relay';
import type { Spec } from '../../src/oci/spec';

function specWithResolvConf(text: string): Spec {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'df-dns-relay-'));
  const source = path.join(dir, 'resolv.conf');
  fs.writeFileSync(source, text);
  return { ociVersion: '1.0.2', mounts: [{ destination: '/etc/resolv.conf', source }] } as Spec;
}

describe('the DNS relay addresses', () => {
  it("the monitor targets Docker's embedded server while resolv.conf names the host's", () => {
    // At create, before Docker's network hook has rewritten resolv.conf.
    const spec = specWithResolvConf('nameserver 192.0.2.53\n');
    assert.equal(monitorDnsRelay(spec), DOCKER_EMBEDDED_DNS);
    assert.equal(dnsRelayFor(spec), undefined);
  });

  it('the monitor targets the loopback server resolv.conf names', () => {
    const spec = specWithResolvConf('nameserver 127.0.0.11\noptions ndots:0\n');
    assert.equal(monitorDnsRelay(spec), '127.0.0.11');
    assert.equal(dnsRelayFor(spec), '127.0.0.11');
  });

  it('without a resolv.conf mount the monitor still gets the embedded server', () => {
    assert.equal(monitorDnsRelay({ ociVersion: '1.0.2' } as Spec), DOCKER_EMBEDDED_DNS);
  });
});
