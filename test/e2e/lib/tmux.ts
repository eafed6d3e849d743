/**
 * Drives an interactive `docker run -it` the way a person at a terminal
 * would: in a detached tmux session with a known size, typing keys, reading
 * the screen, and resizing the window.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sh } from './docker';

export class Terminal {
  private constructor(readonly session: string) {}

  static open(command: string, cols = 80, rows = 24): Terminal {
    const session = `df-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const r = sh([
      'tmux',
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      String(cols),
      '-y',
      String(rows),
      command,
    ]);
    if (r.status !== 0) throw new Error(`tmux: ${r.stderr}`);
    // Keep the pane after the command exits, to read its last output.
    sh(['tmux', 'set-option', '-t', session, 'remain-on-exit', 'on']);
    return new Terminal(session);
  }

  /** Types text literally; `keys` sends tmux key names such as C-c or Enter. */
  type(text: string): void {
    sh(['tmux', 'send-keys', '-t', this.session, '-l', text]);
  }

  keys(...names: string[]): void {
    sh(['tmux', 'send-keys', '-t', this.session, ...names]);
  }

  screen(): string {
    return sh(['tmux', 'capture-pane', '-p', '-J', '-t', this.session]).stdout;
  }

  resize(cols: number, rows: number): void {
    sh(['tmux', 'resize-window', '-t', this.session, '-x', String(cols), '-y', String(rows)]);
  }

  dead(): boolean {
    return (
      sh(['tmux', 'display-message', '-p', '-t', this.session, '#{pane_dead}']).stdout.trim() ===
      '1'
    );
  }

  /** Waits (bounded) until the screen matches. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern} on the screen:\n${screen}`);
      }
      await sleep(200);
    }
  }

  /** Types text again every second until the screen matches (bounded). */
  async retypeUntil(text: string, pattern: RegExp, attempts = 30): Promise<string> {
    for (let i = 1; ; i++) {
      this.type(text);
      try {
        return await this.waitFor(pattern, 1000);
      } catch (err) {
        if (i >= attempts) throw err;
      }
    }
  }

  async waitDead(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.dead()) {
      if (Date.now() > deadline) throw new Error(`the command did not end:\n${this.screen()}`);
      await sleep(200);
    }
  }

  close(): void {
    sh(['tmux', 'kill-session', '-t', this.session]);
  }
}
