import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { firecrackerConfig } from '../../src/vmm/firecracker';
import { QemuBackend } from '../../src/vmm/qemu';
import { testVm } from './vm-fixture';

const vm = testVm({
  drivePath: '/var/lib/dock-fire/x/base.ext4',
  driveReadonly: true,
  layerPath: '/var/lib/dock-fire/x/layer.ext4',
});

const contract = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'firecracker-api.json'),
    'utf8',
  ),
);

describe('a shared read-only image drive under a writable container layer', () => {
  it('QEMU attaches the image drive read-only and the layer writable', () => {
    const argv = new QemuBackend(loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent' })).plan(vm).argv;
    const drives = argv.filter((_, i) => argv[i - 1] === '-drive');
    assert.equal(drives.length, 2);
    assert.match(drives[0], /file=\/var\/lib\/dock-fire\/x\/base\.ext4,.*readonly=on/);
    assert.match(drives[1], /file=\/var\/lib\/dock-fire\/x\/layer\.ext4,/);
    assert.doesNotMatch(drives[1], /readonly/);
    const blockDevices = argv.filter((a) => a.startsWith('virtio-blk-'));
    assert.deepEqual(blockDevices, [
      'virtio-blk-device,drive=root',
      'virtio-blk-device,drive=layer',
    ]);
  });

  it('Firecracker gets two raw drives with the same flags, each a valid Drive', () => {
    const drives = firecrackerConfig(vm).drives;
    assert.deepEqual(
      drives.map((d) => [d.drive_id, d.is_read_only]),
      [
        ['root', true],
        ['layer', false],
      ],
    );
    const required: string[] = contract.definitions.Drive.required;
    for (const drive of drives) for (const key of required) assert.ok(key in drive, key);
  });
});
