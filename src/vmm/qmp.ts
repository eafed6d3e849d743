/**
 * A minimal QMP client: QEMU's JSON machine protocol on the VM's qmp.sock.
 * One connection per command: read the greeting, leave capabilities
 * negotiation mode, run the command, wait for its return. Replies are bounded.
 */
import net from 'node:net';
import { DockFireError } from '../errors';

const MAX_REPLY = 64 * 1024;

export function qmpCommand(socketPath: string, command: string, timeoutMs = 10_000) {
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = '';
    let step = 0;
    const timer = setTimeout(() => done(new DockFireError(`QMP ${command} timed out`)), timeoutMs);
    function done(err?: Error) {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    }
    const send = (execute: string) => socket.write(`${JSON.stringify({ execute })}\n`);

    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.length > MAX_REPLY) return done(new DockFireError('QMP reply too large'));
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        let message: { QMP?: unknown; return?: unknown; error?: { desc?: string } };
        try {
          message = JSON.parse(line);
        } catch {
          return done(new DockFireError('QMP sent a line that is not JSON'));
        }
        if (message.error) {
          return done(new DockFireError(`QMP ${command}: ${message.error.desc ?? 'failed'}`));
        }
        if (step === 0 && message.QMP) {
          step = 1;
          send('qmp_capabilities');
        } else if (step === 1 && 'return' in message) {
          step = 2;
          send(command);
        } else if (step === 2 && 'return' in message) {
          return done();
        }
      }
    });
    socket.on('error', (err) => done(new DockFireError(`QMP socket: ${err.message}`)));
    socket.on('close', () => done(new DockFireError(`QMP closed before ${command} finished`)));
  });
}
