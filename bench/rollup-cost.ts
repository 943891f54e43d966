/**
 * npx tsx bench/rollup-cost.ts [--rounds N] [--ops N] [--fresh]
 *
 * What the usage-rollup trigger (migrations/2026-11-29T101000_usage_rollups.ts)
 * costs a deduct, measured A/B in one database: rounds of deducts alternate
 * with the trigger enabled and disabled, so the machine's load (2 shared
 * cores) falls on both sides alike. Deducts run in-process through the
 * ledger (8 at a time, distinct accounts), with full durability.
 *
 * --fresh: every pooled connection serves one checkout and is closed, so each
 * deduct runs on new server backends, as when backends are killed
 * (test/faults/postgres-faults.test.ts): a PL/pgSQL trigger function is
 * compiled and its statement planned once per backend, on its first firing.
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createDatabase, createPool, type Database } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType, deduct, issueGrant } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, ops: { type: 'string' }, fresh: { type: 'boolean' } } });
const ROUNDS = Number(flags.rounds ?? 10);
const OPS = Number(flags.ops ?? 400);
const CONCURRENCY = 8;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const dataDir = resolve('.data', 'bench-rollup-cost');
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: 5497, database: 'burndown_bench', logger: createLogger('warn', 'bench') });
  const db = createDatabase({ connectionString: postgres.url, poolSize: CONCURRENCY + 2, applicationName: 'bench-rollup' });
  let work: Database = db;
  try {
    await migrateToLatest(db);
    if (flags.fresh) {
      const pool = createPool({ connectionString: postgres.url, poolSize: CONCURRENCY, applicationName: 'bench-rollup-fresh' });
      pool.options.maxUses = 1;
      work = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    }
    const ledger = { db: work, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
    await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
    const accounts = Array.from({ length: 64 }, (_, i) => `rc-${i}`);
    for (const id of accounts) {
      await createAccount(db, { id, name: id });
      await issueGrant(ledger, { accountId: id, creditType: 'ai', amount: '10000000', source: 'purchase' }, { actor: 'bench' });
    }
    const samples: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const elapsed: Record<'on' | 'off', number> = { on: 0, off: 0 };
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const mode = round % 2 === 0 ? 'off' : 'on';
      await sql`alter table ledger_entries ${sql.raw(mode === 'on' ? 'enable' : 'disable')} trigger ledger_entries_usage_rollups`.execute(
        db,
      );
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < OPS) {
            next++;
            const account = accounts[n++ % accounts.length]!;
            const t0 = performance.now();
            await deduct(ledger, { accountId: account, creditType: 'ai', amount: '1' }, { actor: 'bench', feature: `f${n % 5}` });
            samples[mode].push(performance.now() - t0);
          }
        }),
      );
      elapsed[mode] += performance.now() - started;
      console.error(
        `round ${round + 1}/${ROUNDS} (trigger ${mode}): ${((OPS / (performance.now() - started)) * 1000).toFixed(0)} deducts/s`,
      );
    }
    await sql`alter table ledger_entries enable trigger ledger_entries_usage_rollups`.execute(db);
    for (const mode of ['off', 'on'] as const) {
      const sorted = [...samples[mode]].sort((a, b) => a - b);
      const rate = (sorted.length / elapsed[mode]) * 1000;
      console.log(
        `trigger ${mode.padEnd(3)}: ${sorted.length} deducts, ${rate.toFixed(0)}/s, p50 ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`,
      );
    }
  } finally {
    if (work !== db) await work.destroy();
    await db.destroy();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
