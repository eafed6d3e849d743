/** Bounded waiting for a condition: tests wait for events, they never assert timings. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function until(cond: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
