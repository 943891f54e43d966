import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { writeWithBackpressure } from '../../src/api/backpressure.js';

describe('writeWithBackpressure', () => {
  it('waits for a slow client many times without leaving listeners on the response', async () => {
    let response!: ServerResponse;
    let waits = 0;
    let mostListeners = 0;
    const served = new Promise<void>((resolve, reject) => {
      const server = createServer((_req, res) => {
        response = res;
        const write = res.write.bind(res) as (chunk: string) => boolean;
        res.write = ((chunk: string) => {
          const accepted = write(chunk);
          if (!accepted) waits++;
          return accepted;
        }) as typeof res.write;
        void (async () => {
          const chunk = 'x'.repeat(64 * 1024);
          for (let i = 0; i < 200; i++) {
            await writeWithBackpressure(res, chunk);
            mostListeners = Math.max(mostListeners, res.listenerCount('close') + res.listenerCount('error') + res.listenerCount('drain'));
          }
          res.end();
        })().then(() => server.close(() => resolve()), reject);
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        request({ port, host: '127.0.0.1' }, (res) => {
          // A slow reader: the server's socket buffer fills and it must wait.
          res.on('data', () => {
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
        }).end();
      });
    });
    await served;
    expect(waits).toBeGreaterThan(10);
    // Node's own listeners only (a handful), however many times the writer waited.
    expect(mostListeners).toBeLessThan(8);
    expect(response.listenerCount('drain')).toBe(0);
  });
});
