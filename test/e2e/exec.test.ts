/** `docker exec`: another process in the same guest, with its own streams and exit code. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { docker, ensureImage, IMAGE, RUNTIME, detached } from './lib/docker';
import { Terminal } from './lib/tmux';

let ctr = '';

before(() => {
  ensureImage();
  ctr = detached(['sleep', '600']);
  assert.ok(ctr, 'the container started');
});

after(() => docker(['rm', '-f', ctr]));

function execAsync(args: string[]): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['exec', ...args]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (status) => resolve({ status: status ?? 255, stdout }));
  });
}

describe('docker exec', () => {
  it('runs a command in the same guest and returns its output and exit code', () => {
    const r = docker(['exec', ctr, 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.status, 5);
  });

  it("sees the container's processes: its PID 1 is the container's sleep", () => {
    const r = docker(['exec', ctr, 'ps', '-o', 'pid,args']);
    assert.match(r.stdout, /^\s*1\s+sleep 600\s*$/m);
  });

  it('passes stdin with -i', () => {
    assert.equal(docker(['exec', '-i', ctr, 'cat'], { input: 'x\ny\n' }).stdout, 'x\ny\n');
  });

  it('applies -u, -w and -e', () => {
    const r = docker([
      'exec',
      '-u',
      '1000:1000',
      '-w',
      '/tmp',
      '-e',
      'WHO=exec',
      ctr,
      'sh',
      '-c',
      'id -u; pwd; echo $WHO',
    ]);
    assert.equal(r.stdout, '1000\n/tmp\nexec\n');
  });

  it("fails like runc for a missing command: 126 and runc's message", () => {
    const r = docker(['exec', ctr, 'no-such-command']);
    assert.equal(r.status, 126);
    // The docker CLI prints exec errors on stdout or stderr depending on its version.
    assert.match(r.stdout + r.stderr, /exec: "no-such-command": executable file not found/);
  });

  it('does not mix the streams of several execs running at once', async () => {
    const runs = await Promise.all(
      ['a', 'b', 'c'].map((tag) =>
        execAsync([ctr, 'sh', '-c', `yes ${tag}${tag}${tag} | head -n 20000`]),
      ),
    );
    for (const [i, tag] of ['a', 'b', 'c'].entries()) {
      assert.equal(runs[i].status, 0);
      const expected = `${tag.repeat(3)}\n`.repeat(20000);
      assert.equal(
        crypto.createHash('sha256').update(runs[i].stdout).digest('hex'),
        crypto.createHash('sha256').update(expected).digest('hex'),
      );
    }
  });

  // A monitor that ended before the exec verb did was reaped by the verb (Node
  // reaps its children), so the shim never saw it exit: ~1 in 12 of these hung.
  it('returns from 40 execs of a process that exits at once', () => {
    const hung: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = docker(['exec', ctr, 'true'], { timeoutMs: 30_000 });
      if (r.status !== 0) hung.push(i);
    }
    assert.deepEqual(hung, []);
  });

  it('-it gives the exec its own terminal', async () => {
    const term = Terminal.open(`docker exec -it ${ctr} sh`, 90, 30);
    try {
      await term.waitFor(/^\/ # $/m);
      await term.retypeUntil('tty; stty size\n', /^\/dev\/pts\/\d+\s*\n30 90\s*$/m);
      term.type('exit 3\n');
      await term.waitDead();
    } finally {
      term.close();
    }
  });

  it('fails clearly in a paused container', () => {
    assert.equal(docker(['pause', ctr]).status, 0);
    try {
      const r = docker(['exec', ctr, 'true']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /paused/);
    } finally {
      docker(['unpause', ctr]);
    }
  });

  it('fails clearly in a stopped container', () => {
    const id = detached(['true']);
    try {
      docker(['wait', id]);
      const r = docker(['exec', id, 'true']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /is not running/);
    } finally {
      docker(['rm', '-f', id]);
    }
  });
});
