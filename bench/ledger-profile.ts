/**
 * npx tsx bench/ledger-profile.ts [--port-offset N] — where one ledger call's
 * time goes, on one connection without contention: sequential deducts with
 * synchronous_commit on and off (the WAL flush against the work), the raw
 * 5-statement transaction measured the same way, the time of each PL/pgSQL
 * function inside PostgreSQL (track_functions) and EXPLAIN (ANALYZE, BUFFERS)
 * of one call. The evidence behind docs/PERFORMANCE.md.
 */
import { sql } from 'kysely';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType, createGroupCommit, deduct, issueGrant, type LedgerDeps } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { createBalanceAlertObserver } from '../src/notifications/balance-alerts.js';
import { createRechargeObserver } from '../src/payments/recharge-trigger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const { values: flags } = parseArgs({ options: { 'port-offset': { type: 'string' }, n: { type: 'string' } } });
const N = Number(flags.n ?? 2000);
const dataDir = '.data/bench-profile';
await rm(dataDir, { recursive: true, force: true });
const start = () =>
  startEmbeddedPostgres({
    dataDir,
    port: 5496 + Number(flags['port-offset'] ?? 0),
    database: 'burndown',
    logger: createLogger('silent', 'profile'),
  });
// pg_stat_statements (shipped with the embedded server) times every statement inside the functions.
let server = await start();
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
await admin.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
await admin.end();
await server.stop();
server = await start();
const extra = process.env.PROFILE_PG_OPTIONS ?? '';
const withOptions = (options: string) => `${server.url}?options=${encodeURIComponent(`${options} ${extra}`)}`;
const setup = createDatabase({ connectionString: server.url, poolSize: 4, applicationName: 'profile-setup' });
await migrateToLatest(setup);
await createCreditType(setup, { id: 'ai', name: 'AI', precision: 2 });
const accounts = Array.from({ length: 200 }, (_, i) => `p-${i}`);
const setupDeps: LedgerDeps = { db: setup, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
for (const id of accounts) {
  await createAccount(setup, { id, name: id });
  await issueGrant(setupDeps, { accountId: id, creditType: 'ai', amount: '1000000', source: 'purchase' }, { actor: 'profile' });
}
await sql`create extension if not exists pg_stat_statements`.execute(setup);
await sql`create table bench_tpcb (aid int primary key, v int8 not null default 0)`.execute(setup);
await sql`create extension if not exists pg_stat_statements`.execute(setup);
await sql`create table bench_tpcb_history (aid int, delta int8, at timestamptz default now())`.execute(setup);
await sql`insert into bench_tpcb select g from generate_series(1, 1000) g`.execute(setup);
await setup.destroy();

// PROFILE_NO_OBSERVERS=1: the ledger alone, without the observers the API registers.
const observers = process.env.PROFILE_NO_OBSERVERS
  ? []
  : [createBalanceAlertObserver({ lowThreshold: 0, rearmPercent: 20 }), createRechargeObserver()];
const depsOn = (db: Database): LedgerDeps => ({ ...setupDeps, db, observers });

async function perOp(label: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await fn(i); // warm plans and caches
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn(i);
  console.log(`${label}: ${(Number(process.hrtime.bigint() - t0) / 1e6 / N).toFixed(3)} ms per operation (${N} sequential)`);
}

for (const commit of ['on', 'off']) {
  const db = createDatabase({ connectionString: withOptions(`-c synchronous_commit=${commit}`), poolSize: 1, applicationName: 'profile' });
  const deps = depsOn(db);
  await perOp(`deduct, synchronous_commit ${commit}`, (i) =>
    deduct(deps, { accountId: accounts[i % accounts.length]!, creditType: 'ai', amount: '1' }, { actor: 'profile' }),
  );
  const bare: LedgerDeps = { ...deps, observers: [] };
  await perOp(`deduct without observers, synchronous_commit ${commit}`, (i) =>
    deduct(bare, { accountId: accounts[i % accounts.length]!, creditType: 'ai', amount: '1' }, { actor: 'profile' }),
  );
  const client = new pg.Client({ connectionString: withOptions(`-c synchronous_commit=${commit}`) });
  await client.connect();
  await perOp(`raw 5-statement transaction, synchronous_commit ${commit}`, async (i) => {
    const aid = (i % 1000) + 1;
    await client.query('begin');
    await client.query('update bench_tpcb set v = v + 1 where aid = $1', [aid]);
    await client.query('select v from bench_tpcb where aid = $1', [aid]);
    await client.query('update bench_tpcb set v = v + 1 where aid = $1', [((i + 500) % 1000) + 1]);
    await client.query('insert into bench_tpcb_history (aid, delta) values ($1, 1)', [aid]);
    await client.query('commit');
  });
  await client.end();
  await db.destroy();
}

// Group commit: 64 deducts of one account in one call (ledger_execute_batch).
{
  const db = createDatabase({ connectionString: withOptions('-c synchronous_commit=off'), poolSize: 1, applicationName: 'profile-batch' });
  const deps = { ...depsOn(db), groupCommit: createGroupCommit() };
  const batch = () =>
    Promise.all(
      Array.from({ length: 64 }, () => deduct(deps, { accountId: accounts[0]!, creditType: 'ai', amount: '1' }, { actor: 'profile' })),
    );
  for (let i = 0; i < 5; i++) await batch();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) await batch();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / 20;
  console.log(
    `64 deducts of one account in one batch, synchronous_commit off: ${ms.toFixed(2)} ms per batch, ${(ms / 64).toFixed(3)} ms per deduct`,
  );
  await db.destroy();
}

// Time per PL/pgSQL function, from PostgreSQL's own counters (one backend).
const db = createDatabase({
  connectionString: withOptions('-c track_functions=pl -c synchronous_commit=off'),
  poolSize: 1,
  applicationName: 'profile-functions',
});
await sql`select pg_stat_reset(), pg_stat_statements_reset()`.execute(db);
await sql`set pg_stat_statements.track = 'all'`.execute(db);
const deps = depsOn(db);
for (let i = 0; i < N; i++) {
  await deduct(deps, { accountId: accounts[i % accounts.length]!, creditType: 'ai', amount: '1' }, { actor: 'profile' });
}
await sql`select pg_stat_force_next_flush()`.execute(db);
const statements = await sql<{ query: string; calls: string; ms: number }>`
  select regexp_replace(query, '[[:space:]]+', ' ', 'g') as query, calls::text, total_exec_time / ${N} as ms
  from pg_stat_statements where toplevel = false order by total_exec_time desc limit 25`.execute(db);
console.log(`\nStatements inside the functions, ms per deduct (${N} deducts; nested statements include their callees):`);
console.log('| statement | calls per deduct | ms |\n|---|---|---|');
for (const r of statements.rows) {
  console.log(`| ${r.query.slice(0, 110).replaceAll('|', '/')} | ${(Number(r.calls) / N).toFixed(1)} | ${r.ms.toFixed(3)} |`);
}
await sql`select 1`.execute(db);
const { rows } = await sql<{ funcname: string; calls: string; total: number; self: number }>`
  select funcname, calls::text, total_time / ${N} as total, self_time / ${N} as self
  from pg_stat_user_functions order by self_time desc`.execute(db);
console.log(`\nPL/pgSQL functions, ms per deduct (${N} deducts, synchronous_commit off):`);
console.log('| function | calls per deduct | total ms | self ms |\n|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.funcname} | ${(Number(r.calls) / N).toFixed(1)} | ${r.total.toFixed(3)} | ${r.self.toFixed(3)} |`);
}

const op = {
  kind: 'deduct',
  accountId: accounts[0],
  creditType: 'ai',
  amount: '100',
  requestHash: 'profile',
  actor: 'profile',
  now: new Date().toISOString(),
  observers: [],
};
const plan = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) select ledger_execute(${JSON.stringify(op)}::jsonb)`.execute(
  db,
);
console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of one deduct call:\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
await db.destroy();
await server.stop();
await rm(dataDir, { recursive: true, force: true });
