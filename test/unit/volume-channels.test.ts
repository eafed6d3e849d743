/** Each volume gets a channel of its own in both VMM plans, named as the guest looks it up. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings';
import { QemuBackend } from '../../src/vmm/qemu';
import { testVm } from './vm-fixture';

const vm = testVm({ volumes: 2 });

describe('volume channels under QEMU', () => {
  it('adds one virtio-serial port per volume, on a socket of its own', () => {
    const plan = new QemuBackend(loadSettings({})).plan(vm);
    assert.deepEqual(plan.volumeSockets, ['vol0.sock', 'vol1.sock']);
    const args = plan.argv.join(' ');
    assert.match(args, /-chardev socket,id=vol0,path=vol0\.sock/);
    assert.match(args, /-device virtserialport,chardev=vol1,name=dock-fire\.vol\.1/);
  });

  it('sizes the serial device to its ports: console slot, agent, volumes', () => {
    const args = (volumes: number) =>
      new QemuBackend(loadSettings({})).plan({ ...vm, volumes }).argv.join(' ');
    assert.match(args(2), /-device virtio-serial-device,max_ports=4 /);
    assert.match(args(0), /-device virtio-serial-device,max_ports=2 /);
  });

  it('adds none without volumes', () => {
    const plan = new QemuBackend(loadSettings({})).plan({ ...vm, volumes: 0 });
    assert.deepEqual(plan.volumeSockets, []);
    assert.doesNotMatch(plan.argv.join(' '), /dock-fire\.vol/);
  });
});
