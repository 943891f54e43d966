/**
 * npx tsx bench/metering-cost.ts [--events N] [--accounts N] [--rounds N] [--port-offset N]
 *
 * Usage-event ingest and metering alone, in one process and one database,
 * without HTTP or Temporal: the worker's metering pass and the API's ingest
 * as they run in production (the same ledger observers, group commit, full
 * durability), so the two can be compared before and after a change on a
 * shared machine (run both back to back; compare their ratios).
 *
 * Each round ingests N events (default 20,000) for M accounts (default 100,
 * each with its own grant) through ingestUsageEvents, batches of 500 with 16
 * callers at a time (the bench's ingest row), then meters the backlog as the
 * metering loop does (burnPendingEvents with batches of 500 until one comes
 * back short) and checks that every event burned. Prints events/s for each.
 * --only ingest skips metering (the backlog grows from round to round).
 * --backlog N instead seeds N pending events with one INSERT, shaped as the
 * bench's ingest leaves them (500 accounts a millisecond, accounts in turn),
 * and times the first metering batches on it: the first batch on a backlog of
 * a million is what the quick bench's metering row once waited for (issue 13).
 * --profile also prints the SQL functions' self time per metered event
 * (pg_stat_user_functions with track_functions = all).
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { consumptionDepsFor, type ConsumptionDeps } from '../src/consumption/settings.js';
import { burnPendingEvents } from '../src/consumption/usage-events/metering.js';
import { ingestUsageEvents } from '../src/consumption/usage-events/ingest.js';
import { createDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType, createGroupCommit, issueGrant, type LedgerDeps } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { createBalanceAlertObserver } from '../src/notifications/balance-alerts.js';
import { createRechargeObserver } from '../src/payments/recharge-trigger.js';
import { enforcementDefaults } from '../src/settings/enforcement.js';
import { fixedEnforcement } from '../src/settings/live-enforcement.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string' },
    accounts: { type: 'string' },
    rounds: { type: 'string' },
    'port-offset': { type: 'string' },
    profile: { type: 'boolean' },
    only: { type: 'string' },
    backlog: { type: 'string' },
  },
});
const EVENTS = Number(flags.events ?? 20_000);
const ACCOUNTS = Number(flags.accounts ?? 100);
const ROUNDS = Number(flags.rounds ?? 2);
const PORT = 5493 + Number(flags['port-offset'] ?? 0);
const BATCH = 500;
const CALLERS = 16;
/** The metering workflow's batch (workflows/consumption/metering.ts). */
const METERING_BATCH = 500;

async function main() {
  const dataDir = resolve('.data', `bench-metering-cost-${PORT}`);
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: PORT, database: 'burndown_bench', logger: createLogger('warn', 'bench') });
  const db = createDatabase({ connectionString: postgres.url, poolSize: CALLERS + 4, applicationName: 'bench-metering' });
  const printProfile = async (events: number) => {
    await new Promise((r) => setTimeout(r, 600)); // statistics are flushed at most once a second
    const { rows } = await sql<{ funcname: string; calls: string; self_time: number }>`
      select funcname, calls::text, self_time from pg_stat_user_functions order by self_time desc limit 15`.execute(db);
    for (const r of rows) console.log(`  ${r.funcname}: ${((r.self_time * 1000) / events).toFixed(0)} µs self per event, ${r.calls} calls`);
  };
  try {
    await migrateToLatest(db);
    if (flags.profile) await sql`alter database burndown_bench set track_functions = 'all'`.execute(db);
    const config = loadConfig();
    // The worker's ledger: its observers (balance alerts, recharge trigger) and group commit.
    const ledger: LedgerDeps = {
      db,
      clock: () => new Date(),
      holdDefaultTtlSeconds: 900,
      holdMaxTtlSeconds: 86_400,
      observers: [
        createBalanceAlertObserver({ lowThreshold: config.LOW_BALANCE_DEFAULT_THRESHOLD, rearmPercent: config.LOW_BALANCE_REARM_PERCENT }),
        createRechargeObserver(),
      ],
      groupCommit: createGroupCommit(),
    };
    const deps = await consumptionDepsFor({ config, ledger, enforcement: fixedEnforcement(enforcementDefaults(config)) });
    await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `met-${i}`);
    const unfunded = [...accounts];
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let id = unfunded.shift(); id; id = unfunded.shift()) {
          await createAccount(db, { id, name: id });
          await issueGrant(ledger, { accountId: id, creditType: 'ai', amount: '100000000', source: 'purchase' }, { actor: 'bench' });
        }
      }),
    );
    const mayUse = () => true;
    let sent = 0;
    const batchOf = (count: number) => {
      const i = sent++;
      const base = Date.now() - 60_000;
      return Array.from({ length: count }, (_, j) => ({
        id: `ev-${i}-${j}`,
        accountId: accounts[(i * count + j) % ACCOUNTS]!,
        feature: 'tokens',
        quantity: String(1 + ((i * count + j) % 997)),
        // Distinct event times, as a live producer sends them.
        timestamp: new Date(base + ((i * count + j) % 50_000)).toISOString(),
      }));
    };
    // A table never analyzed, as the bench's was when its ingest row had filled it from empty within seconds
    // (autovacuum had not come round): the planner's view of a young table, that the first metering batch once met.
    if (flags.backlog) await sql`alter table usage_events set (autovacuum_enabled = false)`.execute(db);
    if (flags.backlog) return await meterBacklog(db, deps, accounts, Number(flags.backlog));
    // Warm up: plans, the catalog, the first pages; metered so the backlog starts empty.
    for (let i = 0; i < 4; i++) await ingestUsageEvents(deps, batchOf(BATCH), { mayUse });
    while ((await burnPendingEvents(deps, METERING_BATCH)).pendingSeen >= METERING_BATCH);

    for (let round = 1; round <= ROUNDS; round++) {
      const batches = Math.ceil(EVENTS / BATCH);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (next++ < batches) await ingestUsageEvents(deps, batchOf(BATCH), { mayUse });
        }),
      );
      const ingestMs = performance.now() - t0;
      const ingestRate = ((batches * BATCH * 1000) / ingestMs).toFixed(0);
      if (flags.only === 'ingest') {
        console.log(`round ${round}/${ROUNDS}: ingest ${ingestRate} events/s (${batches} batches of ${BATCH}, ${CALLERS} callers)`);
        continue;
      }
      if (flags.profile) await sql`select pg_stat_reset()`.execute(db);
      const t1 = performance.now();
      let burned = 0;
      for (;;) {
        const result = await burnPendingEvents(deps, METERING_BATCH);
        burned += result.burned;
        if (result.pendingSeen < METERING_BATCH) break;
      }
      const meterMs = performance.now() - t1;
      const left = await db
        .selectFrom('usage_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '<>', 'burned')
        .executeTakeFirstOrThrow();
      if (burned !== batches * BATCH || Number(left.n) !== 0) throw new Error(`round ${round}: burned ${burned}, ${left.n} not burned`);
      if (flags.profile) await printProfile(burned);
      console.log(
        `round ${round}/${ROUNDS}: ingest ${ingestRate} events/s ` +
          `(${batches} batches of ${BATCH}, ${CALLERS} callers); metering ${((burned * 1000) / meterMs).toFixed(0)} events/s ` +
          `(${burned} events of ${ACCOUNTS} accounts in ${(meterMs / 1000).toFixed(1)} s)`,
      );
    }
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

/** --backlog: N pending events seeded at once, then the first BACKLOG_BATCHES metering batches timed one by one (autovacuum off for the table meanwhile). */
const BACKLOG_BATCHES = 4;
async function meterBacklog(db: Database, deps: ConsumptionDeps, accounts: string[], events: number) {
  const t0 = performance.now();
  await sql`insert into usage_events (id, account_id, feature, quantity, properties, event_time, received_at, status)
    select 'backlog-' || g, (${accounts}::text[])[1 + g % ${accounts.length}], 'tokens', '1000', '{}'::jsonb,
      now() - interval '1 hour' + (g / 500) * interval '1 millisecond', now(), 'pending'
    from generate_series(0, ${events - 1}) g`.execute(db);
  console.log(`seeded ${events} pending events over ${accounts.length} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let burned = 0;
  const t1 = performance.now();
  for (let batch = 1; batch <= BACKLOG_BATCHES; batch++) {
    const b0 = performance.now();
    const result = await burnPendingEvents(deps, METERING_BATCH);
    burned += result.burned;
    console.log(`batch ${batch}: ${result.burned} burned in ${((performance.now() - b0) / 1000).toFixed(2)} s`);
  }
  const seconds = (performance.now() - t1) / 1000;
  console.log(`backlog: ${burned} events burned in ${seconds.toFixed(1)} s, ${(burned / seconds).toFixed(0)} events/s`);
}

await main();
