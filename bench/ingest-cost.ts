/**
 * npx tsx bench/ingest-cost.ts [--rounds N] [--batches N] [--explain]
 *
 * Where a batch of usage events spends its time on the database side, measured
 * in one database without HTTP: batches of 500 events, each for 500 of 2,000
 * accounts, as `npm run bench`'s ingest row sends them, through
 * ingestUsageEvents with 16 callers at a time (the bench's 16 connections),
 * full durability. Rounds alternate between the variants below, so the
 * machine's load (2 shared cores) falls on both sides alike:
 *
 *   as-is     every index and the foreign key, as migrated
 *   no-id-idx without usage_events_id_idx (added with per-account dedup)
 *   no-fk     without the foreign key to accounts (a KEY SHARE row lock on the account per event)
 *
 * --explain prints EXPLAIN (ANALYZE, BUFFERS) of one batch's insert.
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CompiledQuery, sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { consumptionDepsFor } from '../src/consumption/settings.js';
import { enforcementDefaults } from '../src/settings/enforcement.js';
import { ingestUsageEvents } from '../src/consumption/usage-events/ingest.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { fixedEnforcement } from '../src/settings/live-enforcement.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, batches: { type: 'string' }, explain: { type: 'boolean' } } });
const ROUNDS = Number(flags.rounds ?? 6);
const BATCHES = Number(flags.batches ?? 64);
const BATCH = 500;
const CONCURRENCY = 16;
const ACCOUNTS = 2_000;

type Variant = 'as-is' | 'no-id-idx' | 'no-fk';
const VARIANTS: Variant[] = ['as-is', 'no-id-idx', 'no-fk'];

async function main() {
  const dataDir = resolve('.data', 'bench-ingest-cost');
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: 5496, database: 'burndown_bench', logger: createLogger('warn', 'bench') });
  const db = createDatabase({ connectionString: postgres.url, poolSize: CONCURRENCY + 2, applicationName: 'bench-ingest' });
  try {
    await migrateToLatest(db);
    const ledger = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
    const config = loadConfig();
    const deps = await consumptionDepsFor({ config, ledger, enforcement: fixedEnforcement(enforcementDefaults(config)) });
    await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `ing-${i}`);
    for (const id of accounts) await createAccount(db, { id, name: id });
    let sent = 0;
    const batchOf = () => {
      const i = sent++;
      const now = new Date().toISOString();
      return Array.from({ length: BATCH }, (_, j) => ({
        id: `ev-${i}-${j}`,
        accountId: accounts[(i * BATCH + j) % ACCOUNTS]!,
        feature: 'tokens',
        quantity: '1000',
        timestamp: now,
      }));
    };
    const mayUse = () => true;
    // Warm up: plans, the catalog, the first pages.
    for (let i = 0; i < 8; i++) await ingestUsageEvents(deps, batchOf(), { mayUse });

    if (flags.explain) {
      const events = batchOf();
      const rows = events.map((e) => ({
        id: e.id,
        account_id: e.accountId,
        feature: e.feature,
        quantity: e.quantity,
        properties: '{}',
        event_time: new Date(e.timestamp),
        received_at: new Date(),
        status: 'pending' as const,
      }));
      const insert = db
        .insertInto('usage_events')
        .values(rows)
        .onConflict((oc) => oc.columns(['account_id', 'id']).doNothing())
        .returning(['account_id', 'id'])
        .compile();
      const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain (analyze, buffers) ${insert.sql}`, [...insert.parameters]),
      );
      console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
    }

    const elapsed: Record<Variant, number> = { 'as-is': 0, 'no-id-idx': 0, 'no-fk': 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const variant = VARIANTS[round % VARIANTS.length]!;
      await sql`create index if not exists usage_events_id_idx on usage_events (id)`.execute(db);
      await sql`alter table usage_events drop constraint if exists usage_events_account_id_fkey`.execute(db);
      if (variant !== 'no-fk')
        await sql`alter table usage_events add constraint usage_events_account_id_fkey foreign key (account_id) references accounts (id)`.execute(
          db,
        );
      if (variant === 'no-id-idx') await sql`drop index usage_events_id_idx`.execute(db);
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next++ < BATCHES) await ingestUsageEvents(deps, batchOf(), { mayUse });
        }),
      );
      const ms = performance.now() - started;
      elapsed[variant] += ms;
      console.error(`round ${round + 1}/${ROUNDS} (${variant}): ${((BATCHES * BATCH * 1000) / ms).toFixed(0)} events/s`);
    }
    for (const variant of VARIANTS) {
      const rounds = Math.ceil((ROUNDS - VARIANTS.indexOf(variant)) / VARIANTS.length);
      console.log(`${variant}: ${((rounds * BATCHES * BATCH * 1000) / elapsed[variant]).toFixed(0)} events/s over ${rounds} rounds`);
    }
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

await main();
