import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reason } from '../../bench/exec';
import { ratio, summarize } from '../../bench/stats';

describe('bench figures', () => {
  it('a ratio is times runc cost: a cost over runc, a throughput inverted', () => {
    assert.equal(ratio('ms', summarize([300]), summarize([100])), 3);
    assert.equal(ratio('MiB/s', summarize([50]), summarize([500])), 10);
    assert.equal(ratio('ms', summarize([300]), summarize([])), undefined);
  });

  it('a summary keeps every sample in the order taken', () => {
    assert.deepEqual(summarize([3, 1, 2])?.samples, [3, 1, 2]);
    assert.equal(summarize([3, 1, 2])?.median, 2);
  });
});

describe('bench errors', () => {
  const failed = { code: 125, ms: 1, stdout: '', timedOut: false };

  it("say Docker's message, not its --help hint", () => {
    const stderr =
      'docker: Error response from daemon: unknown or invalid runtime name: nosuch.\n' +
      "See 'docker run --help'.\n";
    assert.equal(
      reason({ ...failed, stderr }),
      'docker: Error response from daemon: unknown or invalid runtime name: nosuch.',
    );
  });

  it('fall back to the exit status, and say a timeout', () => {
    assert.equal(reason({ ...failed, stderr: '\n' }), 'exit 125');
    assert.equal(reason({ ...failed, stderr: 'x', timedOut: true }), 'timed out');
  });
});
