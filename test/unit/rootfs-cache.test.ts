import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { evict, linkBase, listBases, removeUnused, cacheDir } from '../../src/rootfs/cache';
import { collectRootfsCache } from '../../src/rootfs/cache-gc';
import { imageKey, overlayAt } from '../../src/rootfs/image-key';
import { engineLayerDir } from '../../src/rootfs/prepare';
import { loadSettings } from '../../src/config/settings';

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function tree(files: Record<string, string>): string {
  const root = tmp('df-tree-');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

function mountLine(target: string, fstype: string, options: string): string {
  return `31 25 0:27 / ${target.replace(/ /g, '\\040')} rw,relatime - ${fstype} ${fstype} ${options}`;
}

/** A Docker-like overlay: image layers, a per-container `<id>-init` layer, an upper. */
function dockerOverlay(layers: string[], initFiles: Record<string, string>) {
  const init = path.join(tmp('df-layer-'), 'c1-init', 'diff');
  fs.mkdirSync(init, { recursive: true });
  for (const [name, content] of Object.entries(initFiles)) {
    fs.mkdirSync(path.dirname(path.join(init, name)), { recursive: true });
    fs.writeFileSync(path.join(init, name), content);
  }
  const upper = tmp('df-upper-');
  const merged = tmp('df-merged-');
  const options = `rw,lowerdir=${[init, ...layers].join(':')},upperdir=${upper},workdir=/w`;
  return { merged, upper, mountinfo: mountLine(merged, 'overlay', options) };
}

describe('naming the image of a rootfs', () => {
  it('reads lowerdir and upperdir of the overlay mounted on the directory', () => {
    const info = [
      mountLine('/a b', 'ext4', 'rw'),
      mountLine('/a b', 'overlay', 'rw,lowerdir=/l/1:/l/2,upperdir=/u,workdir=/w'),
    ].join('\n');
    assert.deepEqual(overlayAt('/a b', info), { lowerdirs: ['/l/1', '/l/2'], upperdir: '/u' });
    assert.equal(overlayAt('/other', info), undefined);
  });

  it('sees through a later mount that is not an overlay', () => {
    const info = [mountLine('/r', 'overlay', 'lowerdir=/l'), mountLine('/r', 'tmpfs', 'rw')];
    assert.equal(overlayAt('/r', info.join('\n')), undefined);
  });

  it('gives two containers of one image the same key despite their own init layers', () => {
    const image = tree({ 'bin/sh': 'x' });
    const a = dockerOverlay([image], { 'etc/hosts': '' });
    const b = dockerOverlay([image], { 'etc/hosts': '' });
    fs.mkdirSync(path.join(b.upper, 'workdir'));
    fs.mkdirSync(path.join(a.upper, 'workdir'));
    const keyA = imageKey(a.merged, a.mountinfo);
    assert.ok(keyA);
    assert.equal(imageKey(b.merged, b.mountinfo), keyA);
  });

  it('tells images apart by their layers and by the init layer content', () => {
    const image = tree({ 'bin/sh': 'x' });
    const other = tree({ 'bin/sh': 'x' });
    const a = dockerOverlay([image], { 'etc/hosts': '' });
    const b = dockerOverlay([other], { 'etc/hosts': '' });
    const c = dockerOverlay([image], { 'etc/hosts': 'changed' });
    const key = imageKey(a.merged, a.mountinfo);
    assert.notEqual(imageKey(b.merged, b.mountinfo), key);
    assert.notEqual(imageKey(c.merged, c.mountinfo), key);
  });

  it('does not share a rootfs whose container layer holds files', () => {
    const a = dockerOverlay([tree({ 'bin/sh': 'x' })], {});
    fs.writeFileSync(path.join(a.upper, 'written-before'), 'data');
    assert.equal(imageKey(a.merged, a.mountinfo), undefined);
  });

  it('keys a plain directory by its entries, so any change gives a new key', () => {
    const root = tree({ 'bin/sh': 'x', 'etc/passwd': 'root' });
    const key = imageKey(root, '');
    assert.equal(imageKey(root, ''), key);
    fs.writeFileSync(path.join(root, 'etc', 'passwd'), 'root2');
    assert.notEqual(imageKey(root, ''), key);
  });
});

describe('the per-image cache of base drives', () => {
  const key = (n: number) => `k${n}`.padEnd(64, '0');

  it('builds a base once, then links it: concurrent creates of one image build once', async () => {
    const imageDir = tmp('df-images-');
    const root = tree({ 'bin/sh': 'x' });
    const links = [1, 2, 3].map((i) => path.join(imageDir, `link${i}`));
    const results = await Promise.all(links.map((l) => linkBase(imageDir, key(1), root, l)));
    assert.equal(results.filter((r) => r.built).length, 1);
    const [base] = listBases(imageDir);
    assert.equal(fs.statSync(base.path).nlink, 4);
    assert.equal(fs.statSync(base.path).mode & 0o777, 0o400);
    assert.equal(fs.readdirSync(cacheDir(imageDir)).length, 1, 'no temp file or lock is left');
  });

  it('never removes a base a container links, and evicts the least recently used first', async () => {
    const imageDir = tmp('df-images-');
    const root = tree({ 'bin/sh': 'x' });
    for (const n of [1, 2, 3]) {
      const link = path.join(imageDir, `c${n}`);
      await linkBase(imageDir, key(n), root, link);
      const past = new Date(Date.now() - (10 - n) * 60_000);
      fs.utimesSync(path.join(cacheDir(imageDir), `${key(n)}.ext4`), past, past);
      if (n !== 1) fs.rmSync(link);
    }
    const used = path.join(cacheDir(imageDir), `${key(1)}.ext4`);
    assert.equal(await removeUnused(used), false);

    const one = listBases(imageDir)[0].bytes;
    const evicted = await evict(imageDir, (2 * one) / 2 ** 20);
    assert.deepEqual(
      evicted.map((p) => path.basename(p)),
      [`${key(2)}.ext4`],
    );
    const left = listBases(imageDir)
      .map((b) => path.basename(b.path))
      .sort();
    assert.deepEqual(left, [`${key(1)}.ext4`, `${key(3)}.ext4`]);
  });

  it('gc removes unused bases and temp files of dead builds, and keeps bases in use', async () => {
    const imageDir = tmp('df-images-');
    const root = tree({ 'bin/sh': 'x' });
    await linkBase(imageDir, key(1), root, path.join(imageDir, 'c1'));
    await linkBase(imageDir, key(2), root, path.join(imageDir, 'c2'));
    fs.rmSync(path.join(imageDir, 'c2'));
    const dead = path.join(cacheDir(imageDir), `${key(3)}.ext4.tmp-999999999`);
    fs.writeFileSync(dead, 'half');

    const settings = { ...loadSettings({ DOCK_FIRE_CONFIG: '/nonexistent' }), imageDir };
    const { removed } = await collectRootfsCache(settings);
    assert.equal(removed.length, 2);
    assert.deepEqual(fs.readdirSync(cacheDir(imageDir)), [`${key(1)}.ext4`]);
  });
});

describe("where a container's root layer is kept", () => {
  it("beside the engine's own layer: an upperdir named diff with a work beside it", () => {
    const layerDir = tmp('df-engine-layer-');
    fs.mkdirSync(path.join(layerDir, 'diff'));
    const merged = tmp('df-merged-');
    const info = (upper: string) =>
      mountLine(merged, 'overlay', `rw,lowerdir=/l,upperdir=${upper},workdir=/w`);
    assert.equal(engineLayerDir(merged, info(path.join(layerDir, 'diff'))), undefined, 'no work');
    fs.mkdirSync(path.join(layerDir, 'work'));
    assert.equal(engineLayerDir(merged, info(path.join(layerDir, 'diff'))), layerDir);
    fs.mkdirSync(path.join(layerDir, 'fs'));
    assert.equal(engineLayerDir(merged, info(path.join(layerDir, 'fs'))), undefined, 'not diff');
    assert.equal(engineLayerDir(merged, mountLine(merged, 'ext4', 'rw')), undefined, 'no overlay');
  });
});
