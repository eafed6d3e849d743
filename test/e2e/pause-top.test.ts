/**
 * `docker pause`/`unpause` freeze the whole VM; `docker top` and `docker stats`
 * show its host side: the monitor and the VMM, in the container's cgroup.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { until } from './lib/wait';
import { docker, ensureImage, IMAGE, RUNTIME, detached } from './lib/docker';

before(() => ensureImage());

function lines(id: string): number {
  return docker(['logs', id])
    .stdout.split('\n')
    .filter((l) => l !== '').length;
}

describe('pause and top', () => {
  it('docker pause freezes the container and unpause lets its output resume', async () => {
    const id = detached(['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done']);
    try {
      await until(() => lines(id) >= 2, 'the first lines of output');
      assert.equal(docker(['pause', id]).status, 0);
      assert.equal(docker(['inspect', '-f', '{{.State.Status}}', id]).stdout.trim(), 'paused');
      const atPause = lines(id);
      await sleep(2000);
      // A line already on its way may still arrive; nothing more while frozen.
      assert.ok(lines(id) <= atPause + 1, 'no new output while paused');
      const frozen = lines(id);

      assert.equal(docker(['unpause', id]).status, 0);
      await until(() => lines(id) > frozen + 2, 'output after unpause');
      assert.equal(docker(['inspect', '-f', '{{.State.Status}}', id]).stdout.trim(), 'running');
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it("docker top lists the container's host processes: its monitor and VMM", () => {
    const id = detached(['sleep', '300']);
    try {
      const pid = docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim();
      const top = docker(['top', id]);
      assert.equal(top.status, 0, top.stderr);
      assert.match(top.stdout, new RegExp(`^\\S+\\s+${pid}\\s.*dock-fire-monitor`, 'm'));
      assert.match(top.stdout, /qemu-system|firecracker/);
    } finally {
      docker(['rm', '-f', id]);
    }
  });

  it("docker stats shows the VM's memory: the monitor and VMM live in the container cgroup", () => {
    const id = detached(['sleep', '300']);
    try {
      const pid = docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout.trim();
      const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      assert.match(cgroup, new RegExp(`memory:/docker/${id}$`, 'm'));
      const usage = docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', id]).stdout;
      const mib = Number(/^([\d.]+)MiB/.exec(usage)?.[1] ?? 0);
      // The VMM alone holds more than a few MiB: an empty cgroup would show ~0.
      assert.ok(mib > 8, `memory usage ${usage}`);
    } finally {
      docker(['rm', '-f', id]);
    }
  });
});
