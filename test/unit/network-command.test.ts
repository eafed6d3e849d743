import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../src/network/command';

describe('network command runner', () => {
  it('survives a tool that exits without reading its input', async () => {
    // 1 MiB does not fit in a pipe: the write fails with EPIPE once `true` is gone.
    assert.equal(await run(['true'], { input: 'x'.repeat(1 << 20) }), '');
  });

  it('reports the failing tool, not the broken pipe', async () => {
    await assert.rejects(
      run(['false'], { input: 'x'.repeat(1 << 20) }),
      /^DockFireError: false failed/,
    );
  });
});
