/**
 * Terminals (`-t`, `-it`): a real pty in the guest, window size and resize,
 * Ctrl-C and Ctrl-D, `docker attach` with --detach-keys, clean line endings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { docker, ensureImage, sh, IMAGE, RUNTIME } from './lib/docker';
import { Terminal } from './lib/tmux';

before(() => ensureImage());

let counter = 0;
const names: string[] = [];

/** `docker run -it` with a name, so that a failed test can still remove its container. */
function runIt(args: string): string {
  const name = `df-it-${process.pid}-${++counter}`;
  names.push(name);
  return `docker run --runtime=${RUNTIME} --rm --name ${name} ${args}`;
}

after(() => {
  for (const name of names) docker(['rm', '-f', name]);
});
const PROMPT = /^\/ # $/m;

describe('terminals', () => {
  it("docker run -t gives the process a terminal, with runc's output and no console noise", () => {
    // `script` gives the docker CLI a terminal of its own, as a person would have.
    const command = (runtime: string) =>
      `docker run --runtime=${runtime} --rm -t ${IMAGE} ` +
      `sh -c 'tty; test -t 0 && echo stdin-is-a-tty; echo done'`;
    const ours = sh(['script', '-qec', command(RUNTIME), '/dev/null']);
    const runc = sh(['script', '-qec', command('runc'), '/dev/null']);
    assert.equal(ours.status, 0, ours.stdout);
    assert.match(ours.stdout, /^\/dev\/pts\/0\r+\nstdin-is-a-tty\r+\ndone\r+\n$/);
    assert.equal(ours.stdout, runc.stdout);
  });

  it('-it: the window size reaches the guest, and so does every resize', async () => {
    const term = Terminal.open(runIt(`-it ${IMAGE} sh`), 80, 24);
    try {
      await term.waitFor(PROMPT);
      await term.retypeUntil('stty size\n', /^24 80\s*$/m);
      term.resize(100, 40);
      // The resize travels asynchronously (tmux -> shim -> monitor -> guest):
      // ask again until the guest has it, boundedly.
      await term.retypeUntil('clear; stty size\n', /^40 100\s*$/m);
      term.type('exit\n');
      await term.waitDead();
    } finally {
      term.close();
    }
  });

  it('Ctrl-C reaches the foreground process in the guest; Ctrl-D ends cat', async () => {
    const term = Terminal.open(runIt(`-it ${IMAGE} sh`));
    try {
      // Type only once the shell prompts, as a person would.
      await term.waitFor(PROMPT);
      term.type('sleep 300\n');
      await term.waitFor(/# sleep 300/);
      // Press Ctrl-C until the shell prompts again: a press that lands before
      // sleep has started is simply lost, as it would be for a person.
      for (let i = 0; i < 10; i++) {
        term.keys('C-c');
        const back = await term.waitFor(/\^C\s*\n\/ # $/m, 2000).catch(() => undefined);
        if (back) break;
      }
      term.type('echo interrupted-$?\n');
      await term.waitFor(/^interrupted-130\s*$/m);
      term.type('exec cat\n');
      // Keys typed while ash execs cat can be lost in ash's buffer, as with runc.
      await term.retypeUntil('hello-cat\n', /^hello-cat\s*\n\s*hello-cat\s*$/m);
      term.keys('C-d');
      await term.waitDead();
    } finally {
      term.close();
    }
  });

  it('docker attach works and --detach-keys detaches, leaving the container running', async () => {
    const name = `df-attach-${process.pid}`;
    assert.equal(
      docker(['run', '-dit', `--runtime=${RUNTIME}`, '--name', name, IMAGE, 'sh']).status,
      0,
    );
    const term = Terminal.open(`docker attach --detach-keys=ctrl-x ${name}`);
    try {
      term.type('echo attached-$((6*7))\n');
      await term.waitFor(/^attached-42\s*$/m);
      term.keys('C-x');
      await term.waitDead();
      assert.equal(docker(['inspect', '-f', '{{.State.Running}}', name]).stdout.trim(), 'true');
    } finally {
      term.close();
      docker(['rm', '-f', name]);
    }
  });
});
