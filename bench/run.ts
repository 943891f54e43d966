/**
 * npm run bench: every figure against this machine's own limits, in one run.
 *
 * 1. Starts PostgreSQL and the Temporal dev server (embedded, in .data/bench;
 *    or DATABASE_URL / TEMPORAL_ADDRESS), the Burndown API and worker as their
 *    own processes, exactly as `npm run api` / `npm run worker` run them.
 * 2. Measures the baselines: raw UPDATE on distinct rows and one hot row, a
 *    5-statement TPC-B-like transaction, multi-row INSERT, Express hello
 *    world, a no-op workflow with 3 no-op activities.
 * 3. Measures our operations over HTTP with op/s, p50/p95/p99 and the ratio to
 *    their baseline, and the API's peak RSS.
 * 4. Prints a table and, for a full run (default sizes), writes docs/BENCHMARKS.md.
 *
 * Flags: --seconds N (per measurement, default 10), --entries N (largest
 * ledger size for balance reads, default 10000000), --accounts N (default
 * 10000), --ingest-seconds N (sustained event ingest, default 60), --quick
 * (3 s, 2M entries), --port-offset N (added to every port the bench opens).
 */
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createApiKey } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType, issueGrant } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { startTemporalDevServer } from '../src/stack/temporal-dev-server.js';
import { httpBaseline, postgresBaselines, temporalBaseline } from './baselines.js';
import { request, runLoad } from './load.js';
import { API_HEAP_MB, rssMegabytes, spawnReady } from './processes.js';
import { seedLedgerEntries } from './seed.js';
import { ledgerInProcessRows } from './ledger-direct.js';
import { ledgerHttpRows } from './ledger-http.js';
import { emptyResult, renderReport, type Row } from './report.js';
import { extraScenarios } from './scenarios.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string' },
    entries: { type: 'string' },
    quick: { type: 'boolean' },
    accounts: { type: 'string' },
    'ingest-seconds': { type: 'string' },
    'port-offset': { type: 'string' },
  },
});
const SECONDS = Number(flags.seconds ?? (flags.quick ? 3 : 10));
const MAX_ENTRIES = Number(flags.entries ?? (flags.quick ? 2_000_000 : 10_000_000));
const ACCOUNTS = Number(flags.accounts ?? 10_000);
const INGEST_SECONDS = Number(flags['ingest-seconds'] ?? 60);
// --port-offset N moves every port the bench opens, so two checkouts on one machine can bench at once.
const PORT_OFFSET = Number(flags['port-offset'] ?? 0);
const API_PORT = 3900 + PORT_OFFSET;
const HELLO_PORT = 3901 + PORT_OFFSET;

/** What the bench is doing now (the last log line's subject): the API's peak RSS is reported with it. */
let phase = 'start';
const log = (message: string) => {
  phase = message.split(':')[0]!;
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
};

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>, label: string) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
        if (++done % 2000 === 0) log(`${label}: ${done}/${items.length}`);
      }
    }),
  );
}

async function main() {
  const config = loadConfig();
  const logger = createLogger('warn', 'bench');
  const dataDir = resolve(config.DATA_DIR, 'bench');
  await rm(dataDir, { recursive: true, force: true });
  log(`starting servers (data in ${dataDir})`);
  const postgres = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir, port: 5499 + PORT_OFFSET, database: 'burndown_bench', logger });
  const temporal = config.TEMPORAL_ADDRESS
    ? undefined
    : await startTemporalDevServer({ dataDir, port: 7299 + PORT_OFFSET, uiPort: 0, logger, ephemeral: true, headless: true });
  const databaseUrl = config.DATABASE_URL ?? postgres!.url;
  const temporalAddress = config.TEMPORAL_ADDRESS ?? temporal!.address;
  // The bench's own connections (seeding, checks) skip waiting for fsync so
  // seeding is fast; the API and worker under test keep full durability.
  const seedUrl = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=off')}`;
  const db = createDatabase({ connectionString: seedUrl, poolSize: 32, applicationName: 'bench' });
  await migrateToLatest(db);
  const stops: (() => Promise<void>)[] = [];
  try {
    const env = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      PORT: String(API_PORT),
      // The metrics listeners move with --port-offset too (their defaults, 9464 and 9465, may be taken by another stack).
      METRICS_LISTEN: `127.0.0.1:${9464 + PORT_OFFSET}`,
      WORKER_METRICS_LISTEN: `127.0.0.1:${9465 + PORT_OFFSET}`,
      // The production default: the API logs every request, and the bench measures what that costs.
      LOG_LEVEL: 'info',
      DATABASE_POOL_SIZE: '64',
      TEMPORAL_TASK_QUEUE: 'burndown-bench',
      // RATE_LIMIT_PER_ACCOUNT_PER_SECOND stays at its production default: a 429 on the hot-account rows would
      // show among their statuses, so the bench shows that the default does not throttle a hot account.
    };
    const rows: Row[] = [];

    log(`baselines (${SECONDS} s each)`);
    const pgBase = await postgresBaselines(databaseUrl, SECONDS, log);
    const hello = await httpBaseline(HELLO_PORT, SECONDS);
    log('baseline: no-op workflow');
    const noop = await temporalBaseline(temporalAddress, SECONDS);

    log('starting the Burndown API and worker processes');
    const api = await spawnReady(
      'api',
      [`--max-old-space-size=${API_HEAP_MB}`, 'src/cli/api.ts'],
      env,
      () => false,
      async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`)).ok,
    );
    stops.push(api.stop);
    const worker = await spawnReady('worker', ['workers/main.ts'], { ...env, LOG_LEVEL: 'info' }, (l) => l.includes('worker running'));
    stops.push(worker.stop);
    // Peak RSS and the phase it was reached in: which load makes the API grow is the first question when it is over.
    let peakRss = 0;
    let peakPhase = phase;
    const rssTimer = setInterval(() => {
      const rss = rssMegabytes(api.child.pid!);
      if (rss > peakRss) [peakRss, peakPhase] = [rss, phase];
    }, 250);
    stops.push(() => Promise.resolve(clearInterval(rssTimer)));

    const ledger = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
    const key = await createApiKey(db, { name: 'bench', subject: 'bench', scopes: ['admin'] });
    const auth = { authorization: `Bearer ${key.token}` };
    await createCreditType(db, { id: 'ai', name: 'AI credits', precision: 2 });
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `bench-${i}`);
    log(`seeding ${ACCOUNTS} funded accounts`);
    await mapLimit(
      accounts,
      32,
      async (id) => {
        await createAccount(db, { id, name: id });
        await issueGrant(ledger, { accountId: id, creditType: 'ai', amount: '1000000', source: 'purchase' }, { actor: 'bench' });
      },
      'accounts',
    );
    const HOT_CREDITS = 10_000_000n;
    await createAccount(db, { id: 'hot', name: 'hot' });
    await issueGrant(
      ledger,
      { accountId: 'hot', creditType: 'ai', amount: HOT_CREDITS.toString(), source: 'purchase' },
      { actor: 'bench' },
    );

    const pick = (i: number) => accounts[(i * 7919) % accounts.length]!;
    const progress = (name: string) => (done: number) => log(`${name}: ${done} ops`);
    rows.push(
      ...(await ledgerHttpRows({
        baseUrl: `http://127.0.0.1:${API_PORT}`,
        auth,
        accounts,
        hotCredits: HOT_CREDITS,
        seconds: SECONDS,
        tpcb: pgBase.tpcb!,
        updateHot: pgBase.updateHot!,
        db,
        log,
      })),
    );
    rows.push(
      ...(await ledgerInProcessRows({
        databaseUrl,
        config,
        accounts,
        seconds: SECONDS,
        tpcb: pgBase.tpcb!,
        updateHot: pgBase.updateHot!,
        log,
      })),
    );

    const balanceRead = (name: string, connections = 64) =>
      runLoad({
        name,
        baseUrl: `http://127.0.0.1:${API_PORT}`,
        connections,
        seconds: SECONDS,
        onProgress: progress(name),
        op: async (c, i) => [(await request(c, 'GET', `/v1/accounts/${pick(i)}/balance`, auth)).status],
      });
    const entryCount = async () =>
      Number((await sql<{ n: string }>`select count(*)::text as n from ledger_entries`.execute(db)).rows[0]!.n);
    const midEntries = Math.min(1_000_000, MAX_ENTRIES);
    log(`seeding ledger entries up to ${midEntries.toLocaleString()}`);
    await seedLedgerEntries(db, midEntries - (await entryCount()), log);
    const readMid = await balanceRead(`balance read, ${midEntries.toLocaleString()} entries`);
    const readLatency = await balanceRead('balance read, 8 connections', 8);
    log(`seeding ledger entries up to ${MAX_ENTRIES.toLocaleString()}`);
    await seedLedgerEntries(db, MAX_ENTRIES - (await entryCount()), log);
    const readMax = await balanceRead(`balance read, ${MAX_ENTRIES.toLocaleString()} entries`);
    const drift = Math.abs(readMax.opsPerSecond - readMid.opsPerSecond) / readMid.opsPerSecond;
    for (const r of [readMid, readMax]) {
      rows.push({
        operation: r.name,
        result: r,
        baseline: hello,
        target: '≥ 0.5 × Express hello world/s, within 10% between sizes',
        met: r.errors === 0 && r.opsPerSecond >= 0.5 * hello.opsPerSecond && drift <= 0.1,
        note: r === readMax ? `throughput differs by ${(drift * 100).toFixed(1)}% between sizes` : undefined,
      });
    }
    rows.push({
      operation: 'balance read, 8 connections',
      result: readLatency,
      target: 'p99 ≤ 5 ms',
      met: readLatency.errors === 0 && readLatency.p99 <= 5,
      note: `${midEntries.toLocaleString()} entries`,
    });

    for (const scenario of extraScenarios) {
      const available = await scenario.available(`http://127.0.0.1:${API_PORT}`);
      if (!available) {
        rows.push({
          operation: scenario.operation,
          result: emptyResult(scenario.operation),
          target: scenario.target,
          met: undefined,
          note: 'not measured: the endpoint is not in this build',
        });
        continue;
      }
      log(scenario.operation);
      const measured = await scenario.run({
        baseUrl: `http://127.0.0.1:${API_PORT}`,
        auth,
        accounts,
        seconds: SECONDS,
        ingestSeconds: INGEST_SECONDS,
        log,
        noop,
        hello,
        db,
      });
      rows.push({ ...measured, baseline: measured.baseline ?? (scenario.baseline === 'noop' ? noop : undefined) });
    }

    clearInterval(rssTimer);
    rows.push({
      operation: 'API process RSS under load',
      result: { ...emptyResult('rss'), opsPerSecond: NaN },
      target: '≤ 300 MB',
      met: peakRss <= 300,
      note: `peak ${peakRss.toFixed(0)} MB, during ${peakPhase}`,
    });
    const baselines = [pgBase.updateDistinct!, pgBase.updateHot!, pgBase.tpcb!, pgBase.insertRows!, hello, noop];
    const report = renderReport(rows, baselines, {
      seconds: SECONDS,
      command: `npm run bench -- --seconds ${SECONDS} --entries ${MAX_ENTRIES} --accounts ${ACCOUNTS} --ingest-seconds ${INGEST_SECONDS}`,
    });
    console.log(report.table);
    // docs/BENCHMARKS.md holds the full run (issue 13): a --quick or resized run prints its table and leaves it alone.
    const fullRun = !flags.quick && SECONDS >= 10 && MAX_ENTRIES >= 10_000_000 && ACCOUNTS >= 10_000 && INGEST_SECONDS >= 60;
    if (fullRun) {
      await writeFile(resolve('docs/BENCHMARKS.md'), report.markdown);
      log('wrote docs/BENCHMARKS.md');
    } else {
      const path = resolve(config.DATA_DIR, 'bench', 'BENCHMARKS.md');
      await writeFile(path, report.markdown);
      log(`not a full run: docs/BENCHMARKS.md left as it is; this run's report is in ${path}`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await db.destroy();
    await temporal?.stop();
    await postgres?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
