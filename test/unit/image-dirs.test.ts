import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { orphanImageDirs, writeOwner } from '../../src/container/image-dirs';

describe('container drives whose state is gone (dock-fire gc)', () => {
  it('are found only when the state directory is gone and no process has them open', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'df-image-dirs-'));
    const images = path.join(top, 'images');
    const run = path.join(top, 'run');
    const container = (id: string, stateExists: boolean) => {
      const dir = path.join(images, id);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'layer.ext4'), 'x');
      if (stateExists) fs.mkdirSync(path.join(run, id), { recursive: true });
      writeOwner(dir, path.join(run, id));
      return dir;
    };
    try {
      const lost = container('lost', false);
      container('alive', true);
      const held = container('held', false);
      fs.mkdirSync(path.join(images, '.rootfs-cache')); // no owner: never a candidate
      fs.mkdirSync(path.join(images, 'nat'));
      fs.writeFileSync(
        path.join(images, 'nat', 'owner.json'),
        JSON.stringify({ stateDir: 'relative' }),
      );
      const fd = fs.openSync(path.join(held, 'layer.ext4'), 'r'); // as the VMM holds a drive
      try {
        assert.deepEqual(orphanImageDirs(images), [lost]);
      } finally {
        fs.closeSync(fd);
      }
      assert.deepEqual(orphanImageDirs(images).sort(), [held, lost].sort());
      assert.deepEqual(orphanImageDirs(path.join(top, 'none')), []);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  });
});
