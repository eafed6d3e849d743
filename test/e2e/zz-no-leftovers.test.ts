/** Runs last: after the whole suite, nothing of any container is left on the host. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { leftovers } from './lib/leftovers';

it('leaves no VMM or monitor process, state dir, image file, mount or loop device', async () => {
  // Docker removes --rm containers asynchronously; allow it a bounded moment.
  for (let i = 0; i < 50 && leftovers().length > 0; i++) await sleep(200);
  assert.deepEqual(leftovers(), []);
});
