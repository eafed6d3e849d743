/**
 * Client of the monitor's control socket: one request frame, one reply
 * (docs/protocol.md, "Control socket"). The socket lives in the state
 * directory, whose path can exceed the 108 bytes of a unix socket address,
 * so it is reached through /proc/self/fd of the opened directory.
 */
import fs from 'node:fs';
import net from 'node:net';
import { DockFireError } from '../errors';
import { FrameDecoder, FrameType, decodeError, encodeFrame, type Frame } from './frame';

export const CONTROL_SOCKET = 'monitor.sock';

export async function request(
  stateDir: string,
  type: FrameType,
  stream: number,
  payload: Buffer,
  timeoutMs: number,
): Promise<Frame> {
  const dirFd = fs.openSync(stateDir, 'r');
  try {
    return await exchange(
      `/proc/self/fd/${dirFd}/${CONTROL_SOCKET}`,
      encodeFrame(type, stream, payload),
      timeoutMs,
    );
  } finally {
    fs.closeSync(dirFd);
  }
}

function exchange(socketPath: string, frame: Buffer, timeoutMs: number): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const decoder = new FrameDecoder();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DockFireError(`the monitor did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const finish = (err: Error | undefined, reply?: Frame) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply as Frame);
    };

    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk: Buffer) => {
      try {
        const [reply] = decoder.push(chunk);
        if (reply) finish(undefined, reply);
      } catch (err) {
        finish(new DockFireError(`bad reply from the monitor: ${(err as Error).message}`));
      }
    });
    socket.on('error', (err) => finish(new DockFireError(`monitor socket: ${err.message}`)));
    socket.on('close', () => finish(new DockFireError('the monitor closed the connection')));
  });
}

/** An ERROR reply of the monitor or the guest, as opposed to a failure to reach them. */
export class ErrorReply extends DockFireError {}

/** Throws the monitor's or guest's ERROR reply as an error with its exit code. */
export function checkReply(reply: Frame): Frame {
  if (reply.type === FrameType.Error) {
    const { exitCode, message } = decodeError(reply.payload);
    throw new ErrorReply(message, { exitCode });
  }
  return reply;
}
