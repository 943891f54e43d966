/**
 * npm run bench:import [-- --rows N] [--batch N]
 *
 * Bulk import (issue 19, docs/IMPORTS.md) on this machine, in one process:
 * embedded PostgreSQL and a Temporal dev server (in .data/bench-import), the
 * Burndown worker and API as `npm start` assembles them. Generates a JSONL
 * file of about N rows (default 100,000: accounts, a pricing pin for every
 * tenth, four grants each), POSTs it, polls GET /v1/imports/{id} until it
 * finishes, checks every balance, and prints the time to validate and store
 * (the POST), the time to import (the workflow), the total and rows/s.
 * The target (100k rows under 5 minutes) lives here, never in a timed test.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createCreditType, getBalances } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startApi } from '../src/runtime/api.js';
import { openAreas } from '../src/runtime/areas.js';
import { openCore } from '../src/runtime/core.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { startTemporalDevServer } from '../src/stack/temporal-dev-server.js';
import { startWorker } from '../workers/start.js';
import { importFile, toJsonl } from '../test/helpers/import-file.js';

const { values: flags } = parseArgs({ options: { rows: { type: 'string' }, batch: { type: 'string' } } });
const ROWS = Number(flags.rows ?? 100_000);
const BATCH = flags.batch ?? '500';
const TARGET_SECONDS = 300;
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const seconds = (from: number) => (performance.now() - from) / 1000;

async function main() {
  const dataDir = resolve('.data', 'bench-import');
  await rm(dataDir, { recursive: true, force: true });
  const logger = createLogger('warn', 'bench');
  const postgres = await startEmbeddedPostgres({ dataDir, port: 5495, database: 'burndown_bench', logger });
  const temporalServer = await startTemporalDevServer({ dataDir, port: 7295, uiPort: 0, logger, ephemeral: true, headless: true });
  const config = loadConfig({
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    PORT: '0',
    LOG_LEVEL: 'warn',
    TEMPORAL_TASK_QUEUE: 'burndown-bench-import',
    IMPORT_BATCH_SIZE: BATCH,
    METRICS_LISTEN: 'off',
    WORKER_METRICS_LISTEN: 'off',
  });
  const core = await openCore(config, logger, { databaseUrl: postgres.url, temporalAddress: temporalServer.address }, 'bench');
  const areas = openAreas(core);
  const worker = await startWorker(core, areas);
  const api = await startApi(core, areas);
  try {
    const key = (await createApiKey(core.db, { name: 'bench', subject: 'bench', scopes: ['admin'] })).token;
    await createCreditType(core.db, { id: 'ai', name: 'AI credits', precision: 2 });
    const file = importFile({ prefix: 'bench', accounts: Math.ceil(ROWS / 5.1), grantsPerAccount: 4, now: new Date() });
    const text = toJsonl(file.rows);
    log(`${file.rows.length} rows, ${(text.length / 1e6).toFixed(1)} MB of JSONL, batches of ${BATCH}`);

    const started = performance.now();
    const res = await fetch(`${api.url}/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
      body: text,
    });
    const created = (await res.json()) as { id: string };
    if (res.status !== 202) throw new Error(`POST /v1/imports answered ${res.status}: ${JSON.stringify(created).slice(0, 2000)}`);
    const stored = seconds(started);
    log(`validated and stored in ${stored.toFixed(1)} s; importing`);

    let view: { state: string; progress: Record<string, number> };
    for (;;) {
      const poll = await fetch(`${api.url}/v1/imports/${created.id}`, { headers: { authorization: `Bearer ${key}` } });
      view = (await poll.json()) as typeof view;
      if (view.state !== 'running') break;
      log(`progress ${JSON.stringify(view.progress)}`);
      await new Promise((r) => setTimeout(r, 5000));
    }
    const total = seconds(started);
    let wrong = 0;
    for (const [account, cents] of file.expected) {
      const ai = (await getBalances(core.db, account, new Date())).balances.find((b) => b.creditType === 'ai');
      if (ai?.available !== `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`) wrong += 1;
    }
    const rows = file.rows.length;
    console.log(`| bulk import, ${rows} rows (JSONL ${(text.length / 1e6).toFixed(1)} MB, batches of ${BATCH}) | value |`);
    console.log('|---|---|');
    console.log(`| POST /v1/imports: read, validate, store (202) | ${stored.toFixed(1)} s |`);
    console.log(`| workflow: all rows booked | ${(total - stored).toFixed(1)} s (${(rows / (total - stored)).toFixed(0)} rows/s) |`);
    console.log(`| total, POST to completed | ${total.toFixed(1)} s (${(rows / total).toFixed(0)} rows/s) |`);
    console.log(`| outcome | ${view.state}, ${JSON.stringify(view.progress)}, balances wrong: ${wrong} |`);
    const met = total < TARGET_SECONDS * (rows / 100_000) && view.state === 'completed' && wrong === 0;
    console.log(`| target: 100k rows under ${TARGET_SECONDS} s | ${met ? 'met' : 'NOT met'} |`);
  } finally {
    await api.close();
    await worker.drain();
    await core.close();
    await temporalServer.stop();
    await postgres.stop();
  }
}

await main();
