import express from 'express';
import type { Server } from 'node:http';

/**
 * A stand-in for a third-party accounting system's HTTP API (the posting
 * adapter's far side): stores journal lines by Idempotency-Key as a real
 * system would, counts every request, and reports totals per currency.
 */
export interface FakeAccounting {
  url: string;
  requests: { key: string; lineId: string }[];
  stored: Map<string, { period: string; currency: string; debitMinor: string; creditMinor: string; lineId: string }>;
  /** Makes the next n POSTs fail with 503 (the adapter must retry). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startFakeAccounting(): Promise<FakeAccounting> {
  const app = express();
  app.use(express.json());
  const fake = { requests: [], stored: new Map() } as unknown as FakeAccounting;
  let failures = 0;
  fake.failNext = (n) => void (failures = n);
  app.post('/journal-lines', (req, res) => {
    const key = req.header('idempotency-key') ?? '';
    fake.requests.push({ key, lineId: req.body.lineId });
    if (failures > 0) {
      failures--;
      res.status(503).json({ error: 'try later' });
      return;
    }
    if (!fake.stored.has(key)) fake.stored.set(key, req.body);
    res.status(201).json({ id: `je_${fake.stored.size}` });
  });
  app.get('/periods/:period/totals', (req, res) => {
    const sums = new Map<string, { debit: bigint; credit: bigint }>();
    for (const line of fake.stored.values()) {
      if (line.period !== req.params.period) continue;
      const s = sums.get(line.currency) ?? { debit: 0n, credit: 0n };
      s.debit += BigInt(line.debitMinor);
      s.credit += BigInt(line.creditMinor);
      sums.set(line.currency, s);
    }
    res.json({
      totals: [...sums].map(([currency, s]) => ({ currency, debitMinor: s.debit.toString(), creditMinor: s.credit.toString() })),
    });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}
