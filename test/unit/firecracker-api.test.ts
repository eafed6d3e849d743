/**
 * The Firecracker backend against Firecracker's published API contract
 * (src/api_server/swagger/firecracker.yaml upstream): the config file holds
 * the PUT bodies of /boot-source, /drives/{id}, /machine-config and /vsock.
 * test/fixtures/firecracker-api.json records the required fields and types
 * of those definitions. A real boot runs in test/e2e when `firecracker` is
 * on PATH.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FirecrackerBackend, firecrackerConfig, firecrackerVcpus } from '../../src/vmm/firecracker';
import { loadSettings } from '../../src/config/settings';
import { testVm } from './vm-fixture';

interface Definition {
  required: string[];
  properties: Record<string, { type: string; minimum?: number; maximum?: number }>;
}

const contract = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'firecracker-api.json'),
    'utf8',
  ),
) as { definitions: Record<string, Definition>; configFileKeys: Record<string, string> };

function conforms(value: Record<string, unknown>, name: string): void {
  const def = contract.definitions[name];
  for (const field of def.required) assert.ok(field in value, `${name}.${field} is required`);
  for (const [field, v] of Object.entries(value)) {
    const prop = def.properties[field];
    assert.ok(prop, `${name}.${field} is not in the API`);
    const type = Number.isInteger(v) ? 'integer' : typeof v;
    assert.equal(type, prop.type, `${name}.${field} must be ${prop.type}`);
    if (prop.minimum !== undefined) assert.ok((v as number) >= prop.minimum);
    if (prop.maximum !== undefined) assert.ok((v as number) <= prop.maximum);
  }
}

const vm = testVm({ vcpus: 3, memoryMiB: 256, volumes: 2 });

describe('Firecracker config file', () => {
  const config = firecrackerConfig(vm) as Record<string, unknown>;

  it('uses only the config-file keys Firecracker knows', () => {
    for (const key of Object.keys(config)) assert.ok(key in contract.configFileKeys, key);
  });

  it('sends a BootSource, Drive, MachineConfiguration and Vsock that match the API', () => {
    conforms(config['boot-source'] as Record<string, unknown>, 'BootSource');
    for (const drive of config.drives as Record<string, unknown>[]) conforms(drive, 'Drive');
    conforms(config['machine-config'] as Record<string, unknown>, 'MachineConfiguration');
    conforms(config.vsock as Record<string, unknown>, 'Vsock');
  });

  it('rounds the vCPU count up to 1 or an even number', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(firecrackerVcpus), [1, 2, 4, 4, 6]);
    assert.equal((config['machine-config'] as { vcpu_count: number }).vcpu_count, 4);
  });

  it('boots from the initramfs and keeps the root drive as a plain data drive', () => {
    const drives = config.drives as { is_root_device: boolean }[];
    assert.equal(drives[0].is_root_device, false);
    assert.match((config['boot-source'] as { boot_args: string }).boot_args, /console=ttyS0/);
  });

  it('listens for the guest on the vsock socket with the agent port suffix', () => {
    const plan = new FirecrackerBackend(loadSettings({})).plan(vm);
    assert.equal(plan.agentSocket, 'vsock.sock_1024');
    assert.deepEqual(plan.volumeSockets, ['vsock.sock_1025', 'vsock.sock_1026']);
    assert.deepEqual(plan.argv.slice(1), [
      '--api-sock',
      'firecracker.sock',
      '--config-file',
      'firecracker.json',
    ]);
  });
});
