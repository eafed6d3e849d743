import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, MAX_PAYLOAD, encodeFrame } from '../../src/agent/frame';
import { encodeRecord } from '../../src/agent/process-spec';
import { hex, readVectors } from './vectors';

const vectors = readVectors();

describe('agent protocol frames (shared vectors)', () => {
  for (const v of vectors.filter((v) => v.kind === 'frame')) {
    it(`decodes and re-encodes frame "${v.name}" byte for byte`, () => {
      const bytes = hex(v.fields.hex);
      const frames = new FrameDecoder().push(bytes);
      assert.equal(frames.length, 1);
      assert.equal(frames[0].type, Number(v.fields.type));
      assert.equal(frames[0].stream, Number(v.fields.stream));
      assert.deepEqual(frames[0].payload, hex(v.fields.payload));
      assert.deepEqual(encodeFrame(frames[0].type, frames[0].stream, frames[0].payload), bytes);
    });
  }

  for (const v of vectors.filter((v) => v.kind === 'bad-frame')) {
    it(`rejects bad frame "${v.name}"`, () => {
      assert.throws(() => new FrameDecoder().push(hex(v.fields.hex)));
    });
  }

  it('reassembles frames split at every byte boundary', () => {
    const all = Buffer.concat(
      vectors.filter((v) => v.kind === 'frame').map((v) => hex(v.fields.hex)),
    );
    const decoder = new FrameDecoder();
    const frames = [];
    for (const byte of all) frames.push(...decoder.push(Buffer.from([byte])));
    assert.equal(frames.length, vectors.filter((v) => v.kind === 'frame').length);
    assert.equal(decoder.pending, 0);
  });

  it('rejects an oversized length before buffering the payload', () => {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(MAX_PAYLOAD + 1, 0);
    header.writeUInt8(6, 4);
    assert.throws(() => new FrameDecoder().push(header), /over limit/);
  });

  it('refuses to encode a payload over the limit', () => {
    assert.throws(() => encodeFrame(6, 1, Buffer.alloc(MAX_PAYLOAD + 1)));
  });
});

describe('process spec records (shared vectors)', () => {
  for (const v of vectors.filter((v) => v.kind === 'spec')) {
    it(`encodes spec "${v.name}" to the shared bytes`, () => {
      const records = v.fields.records.split(' ').map((r) => {
        const [tag, value] = r.split(':');
        return encodeRecord(Number(tag), hex(value));
      });
      assert.deepEqual(Buffer.concat(records), hex(v.fields.hex));
    });
  }
});
