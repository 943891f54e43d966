/**
 * npx tsx bench/usage-query.ts [--entries N] [--history N] [--runs N]
 *
 * The usage analytics query (GET /v1/accounts/{id}/usage, src/accounts/usage-report.ts)
 * on a large ledger: `--history` entries (default 2,000,000) of one account
 * spread over a year across 5 features, filler entries of 1,000 other
 * accounts up to `--entries` in all (default 10,000,000). Times a year of
 * daily buckets, in-process and one at a time, in three time zones (UTC and
 * New York read hourly cells, Kolkata 15-minute cells), grouped by feature
 * and by credit type; and, once, the same sums straight from the entries,
 * which is what the rollup saves. --reuse keeps the database of the last run
 * (seeding 10M entries takes minutes).
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { balanceSummary } from '../src/accounts/balance-summary.js';
import { usageReport } from '../src/accounts/usage-report.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createCreditType } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { seedLedgerEntries, seedUsageHistory } from './seed.js';

const { values: flags } = parseArgs({
  options: { entries: { type: 'string' }, history: { type: 'string' }, runs: { type: 'string' }, reuse: { type: 'boolean' } },
});
const ENTRIES = Number(flags.entries ?? 10_000_000);
const HISTORY = Number(flags.history ?? 2_000_000);
const RUNS = Number(flags.runs ?? 200);
const log = (m: string) => console.error(`[usage ${new Date().toISOString().slice(11, 19)}] ${m}`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const dataDir = resolve('.data', 'bench-usage');
  if (!flags.reuse) await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: 5496, database: 'burndown_bench', logger: createLogger('warn', 'bench') });
  const seedUrl = `${postgres.url}?options=${encodeURIComponent('-c synchronous_commit=off')}`;
  const db = createDatabase({ connectionString: seedUrl, poolSize: 4, applicationName: 'bench-usage' });
  try {
    await migrateToLatest(db);
    const started = Date.now();
    if (!flags.reuse) {
      await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
      await seedUsageHistory(db, 'usage-heavy', HISTORY, log);
      await seedLedgerEntries(db, ENTRIES - HISTORY, log);
    }
    await sql`vacuum analyze usage_rollups`.execute(db);
    const counts = (
      await sql<{ entries: string; cells: string }>`select (select count(*) from ledger_entries)::text as entries,
        (select count(*) from usage_rollups where account_id = 'usage-heavy')::text as cells`.execute(db)
    ).rows[0]!;
    log(
      `seeded in ${((Date.now() - started) / 1000).toFixed(0)} s: ${Number(counts.entries).toLocaleString()} entries; ${Number(counts.cells).toLocaleString()} rollup cells for the account`,
    );
    const to = new Date();
    const from = new Date(to.getTime() - 364 * 86_400_000);
    for (const timeZone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
      for (const groupBy of ['feature', 'creditType'] as const) {
        const q = { accountId: 'usage-heavy', from, to, granularity: 'day' as const, groupBy, timeZone };
        let report = await usageReport(db, q); // warm the cache: a served account is a warm account
        for (let i = 0; i < 4; i++) report = await usageReport(db, q);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          report = await usageReport(db, q);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        console.log(
          `${timeZone.padEnd(16)} groupBy=${groupBy.padEnd(10)} ${report.buckets.length} daily buckets × ${report.series.length} series, ${report.resolutionMinutes}-min cells: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
        );
      }
    }
    // The wallet's poll (GET …/balance-summary): the work behind every answer, 304 or not.
    const polls: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await balanceSummary(db, 'usage-heavy', to);
      polls.push(performance.now() - t);
    }
    polls.sort((a, b) => a - b);
    console.log(
      `balance summary (the wallet's 1 s poll), same account: p50 ${percentile(polls, 50).toFixed(1)} ms, p95 ${percentile(polls, 95).toFixed(1)} ms`,
    );
    const t0 = performance.now();
    await sql`select date_trunc('day', created_at at time zone 'UTC'), feature, sum(amount) from ledger_entries
      where account_id = 'usage-heavy' and entry_type in ('burn', 'commit', 'refund') and created_at >= ${from} group by 1, 2`.execute(db);
    console.log(`the same from the entries (index scan of the account's entries): ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
