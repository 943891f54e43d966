import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes a chunk of a streamed response and, when the socket buffer is full,
 * waits until the client has taken it; throws if the client went away. The
 * wait listens for `drain` and `close` and removes both listeners when either
 * fires: a long export waits thousands of times, and listeners left behind
 * would pile up on the response.
 */
export async function writeWithBackpressure(res: Writable, chunk: string): Promise<void> {
  if (res.destroyed) throw new Error('client went away');
  if (res.write(chunk)) return;
  const done = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
  if (res.destroyed) throw new Error('client went away');
}
