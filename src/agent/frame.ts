/**
 * Frames of the agent protocol (docs/protocol.md); the C side is
 * native/common/protocol.h. Every byte read from a monitor or guest is
 * treated as hostile: lengths are bounded before anything is buffered.
 */
export const PROTOCOL_VERSION = 1;
export const HEADER_SIZE = 8;
export const MAX_PAYLOAD = 65536;
export const MAX_DATA = 32768;
export const MAX_ERROR_MSG = 4096;
export const STREAM_CONTAINER = 1;

export enum FrameType {
  Hello = 1,
  Start = 2,
  Started = 3,
  Stdin = 4,
  StdinEof = 5,
  Stdout = 6,
  Stderr = 7,
  Exit = 8,
  Signal = 9,
  Resize = 10,
  Error = 11,
  Ok = 12,
  Exec = 13,
  /** Stream 0 only: u32 tag, then one DNS message (guest to host). */
  DnsQuery = 14,
  /** Stream 0 only: the tag of the query, then the answer (host to guest). */
  DnsAnswer = 15,
}

/** Bounds of the DNS message in DNS_QUERY and DNS_ANSWER. */
export const DNS_MIN_MSG = 12;
export const DNS_MAX_MSG = 4096;

export interface Frame {
  type: number;
  stream: number;
  payload: Buffer;
}

export class ProtocolError extends Error {}

export function encodeFrame(type: number, stream: number, payload: Buffer = Buffer.alloc(0)) {
  if (payload.length > MAX_PAYLOAD) {
    throw new ProtocolError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt8(type, 4);
  header.writeUInt8(0, 5);
  header.writeUInt16LE(stream, 6);
  return Buffer.concat([header, payload]);
}

/** The payload size a known type requires; unknown types are accepted. */
export function checkPayloadSize(type: number, length: number): boolean {
  switch (type) {
    case FrameType.Hello:
      return length >= 4 && length <= 4 + 64;
    case FrameType.Started:
      return length === 4;
    case FrameType.Stdin:
    case FrameType.Stdout:
    case FrameType.Stderr:
      return length <= MAX_DATA;
    case FrameType.StdinEof:
    case FrameType.Ok:
      return length === 0;
    case FrameType.Exit:
    case FrameType.Signal:
      return length === 8;
    case FrameType.Resize:
      return length === 4;
    case FrameType.Error:
      return length >= 4 && length <= 4 + MAX_ERROR_MSG;
    case FrameType.Start:
    case FrameType.Exec:
      return length >= 6;
    case FrameType.DnsQuery:
    case FrameType.DnsAnswer:
      return length >= 4 + DNS_MIN_MSG && length <= 4 + DNS_MAX_MSG;
    default:
      return true;
  }
}

/**
 * Splits a byte stream into frames. Push chunks as they arrive; frames come
 * out in order. A protocol violation throws and poisons the decoder.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffered.length >= HEADER_SIZE) {
      const length = this.buffered.readUInt32LE(0);
      const type = this.buffered.readUInt8(4);
      const flags = this.buffered.readUInt8(5);
      const stream = this.buffered.readUInt16LE(6);
      if (length > MAX_PAYLOAD) throw new ProtocolError(`frame length ${length} over limit`);
      if (flags !== 0) throw new ProtocolError(`frame flags ${flags} are not 0`);
      if (!checkPayloadSize(type, length)) {
        throw new ProtocolError(`frame type ${type} with a ${length}-byte payload`);
      }
      if (this.buffered.length < HEADER_SIZE + length) break;
      const payload = Buffer.from(this.buffered.subarray(HEADER_SIZE, HEADER_SIZE + length));
      frames.push({ type, stream, payload });
      this.buffered = this.buffered.subarray(HEADER_SIZE + length);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.buffered.length;
  }
}

export function errorPayload(exitCode: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8').subarray(0, MAX_ERROR_MSG);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(exitCode, 0);
  return Buffer.concat([head, text]);
}

/** Decodes an ERROR payload; the message is sanitised to one printable line. */
export function decodeError(payload: Buffer): { exitCode: number; message: string } {
  const exitCode = payload.readUInt32LE(0);
  const message = payload
    .subarray(4)
    .toString('utf8')
    .replace(/[^\x20-\x7e\u00a0-\uffff]/g, ' ')
    .trim();
  return { exitCode, message };
}

export function signalPayload(signal: number, all: boolean): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32LE(signal, 0);
  payload.writeUInt32LE(all ? 1 : 0, 4);
  return payload;
}
