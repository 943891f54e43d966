import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import type { Server } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createApiKey, createApiKeyVerifier } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { enforcementDefaults } from '../../src/settings/enforcement.js';
import { fixedEnforcement } from '../../src/settings/live-enforcement.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/**
 * The GDPR export streams: 100,000 ledger rows (seeded in one INSERT … SELECT
 * generate_series) go through the real HTTP endpoint while the heap stays
 * bounded. The seeded rows look like overdraft burns but are not hash-chained,
 * so this file does not run the ledger invariant check (the export of real,
 * chained entries is tested in ledger-audit.test.ts). The 1,000,000-row run is
 * bench/export-1m.ts: too slow for the suite on two cores.
 */
// 100k rows in `npm test`; the heavy phase (`npm run test:faults`, run by CI) sets
// EXPORT_ROWS=1000000, the size the issue asks for, where it runs alone.
const ROWS = Number(process.env.EXPORT_ROWS ?? 100_000);

/** A full collection before each heap reading, so the figures are live memory, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
/** Live JS heap plus Buffers (a fully buffered response would sit in either), in this process: server and client both. */
const liveMemory = () => {
  collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};
let database: TestDatabase;
let server: Server;
let baseUrl = '';
let key = '';
let temporal: Client;

beforeAll(async () => {
  database = await createTestDatabase(10);
  const db = database.db;
  await sql`insert into credit_types (id, name, precision) values ('ai', 'AI', 2)`.execute(db);
  await sql`insert into accounts (id, name) values ('bulk', 'Bulk Ltd')`.execute(db);
  await sql`insert into balances (account_id, credit_type, balance, debt, burned, entry_seq) values ('bulk', 'ai', ${-ROWS}, ${ROWS}, ${ROWS}, ${ROWS})`.execute(
    db,
  );
  await seedLedgerRows(db, 'bulk', ROWS);
  temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  const config = loadConfig({ BURNDOWN_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = createApp({
    config,
    db,
    clock: () => new Date(),
    logger: createLogger('silent', 'test-api'),
    ledger: { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 },
    temporal,
    verifyApiKey: createApiKeyVerifier(db),
    enforcement: fixedEnforcement(enforcementDefaults(config)),
    problemContext: { buyCreditsUrl: () => 'http://test' },
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  key = (await createApiKey(db, { name: 'dpo', subject: 'dpo@example.com', scopes: ['admin'] })).token;
}, 300_000);

afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await temporal?.connection.close();
  await database?.destroy();
});

/** Valid-looking overdraft burns in one statement (also used by bench/export-1m.ts). */
export async function seedLedgerRows(db: TestDatabase['db'], accountId: string, rows: number): Promise<void> {
  await sql`insert into ledger_entries (account_id, credit_type, seq, transaction_id, entry_type, amount, balance_before, balance_after,
      held_after, initiator_account_id, actor, feature, metadata, created_at, prev_hash, hash)
    select ${accountId}, 'ai', g, 'tx_bulk_' || g, 'burn', 1, 1 - g, -g, 0, ${accountId}, 'svc:bulk', 'chat', '{"model":"m1"}'::jsonb,
      timestamptz '2026-01-01' + g * interval '1 second',
      case when g > 1 then sha256(convert_to('e' || (g - 1), 'UTF8')) end, sha256(convert_to('e' || g, 'UTF8'))
    from generate_series(1, ${rows}) g`.execute(db);
}

async function streamExport(format: 'json' | 'csv') {
  const baseline = liveMemory();
  const response = await fetch(`${baseUrl}/v1/accounts/bulk/export?format=${format}`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  let peak = baseline;
  let bytes = 0;
  let entries = 0;
  let tail = '';
  let sampledAt = 0;
  const marker = format === 'csv' ? '\nledger_entry,' : '"entry_type":"burn"';
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    const text = tail + decoder.decode(chunk as Uint8Array, { stream: true });
    bytes += (chunk as Uint8Array).byteLength;
    entries += text.split(marker).length - 1;
    tail = text.slice(-(marker.length - 1));
    if (bytes - sampledAt > 4 * 2 ** 20) {
      sampledAt = bytes;
      peak = Math.max(peak, liveMemory());
    }
  }
  return { bytes, entries, memoryGrowthMb: (peak - baseline) / 2 ** 20, last: tail };
}

describe('GDPR export streaming (R-A4)', () => {
  it(`streams ${ROWS.toLocaleString('en')} ledger rows as JSON and as CSV with memory bounded far below the output size`, async () => {
    const json = await streamExport('json');
    expect(json.entries).toBe(ROWS);
    expect(json.last.endsWith('}\n')).toBe(true); // the document is closed
    const csv = await streamExport('csv');
    expect(csv.entries).toBe(ROWS);
    console.log(
      `export of ${ROWS} rows: json ${(json.bytes / 2 ** 20).toFixed(1)} MiB, memory growth ${json.memoryGrowthMb.toFixed(1)} MiB; csv ${(csv.bytes / 2 ** 20).toFixed(1)} MiB, memory growth ${csv.memoryGrowthMb.toFixed(1)} MiB`,
    );
    // Buffering the export would hold the whole output (and its row objects) at once.
    expect(json.bytes / 2 ** 20).toBeGreaterThan(30);
    expect(json.memoryGrowthMb).toBeLessThan(16);
    expect(csv.memoryGrowthMb).toBeLessThan(16);
  }, 600_000);
});
