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
import { parseArgs } from 'node:util';
import { createCreditType, getBalances } from '../src/ledger/index.js';
import { importFile, toJsonl } from '../test/helpers/import-file.js';
import { withFullStack } from './full-stack.js';

const { values: flags } = parseArgs({ options: { rows: { type: 'string' }, batch: { type: 'string' } } });
const ROWS = Number(flags.rows ?? 100_000);
const BATCH = flags.batch ?? '500';
const TARGET_SECONDS = 300;
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const seconds = (from: number) => (performance.now() - from) / 1000;

async function main() {
  const env = {
    TEMPORAL_TASK_QUEUE: 'burndown-bench-import',
    IMPORT_BATCH_SIZE: BATCH,
    METRICS_LISTEN: 'off',
    WORKER_METRICS_LISTEN: 'off',
  };
  await withFullStack('import', { postgres: 5495, temporal: 7295 }, env, async ({ core, api, key }) => {
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
  });
}

await main();
