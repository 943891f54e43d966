/**
 * npm run bench:read-probe: the read paths alone (balance read and entitlement
 * check), against the Express hello world of the same run, with no write load
 * before them; with --profile the API runs under --cpu-prof (written to
 * .data/read-probe/*.cpuprofile) so where its CPU goes can be read.
 */
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount, createCreditType, issueGrant } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';
import { startTemporalDevServer } from '../src/stack/temporal-dev-server.js';
import { httpBaseline } from './baselines.js';
import { request, runLoad, type LoadResult } from './load.js';
import { API_HEAP_MB, cpuMilliseconds, rssMegabytes, spawnReady } from './processes.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string' },
    profile: { type: 'boolean' },
    'port-offset': { type: 'string' },
    // The API's V8 old-space limit in MB (--max-old-space-size; default: as production runs it, API_HEAP_MB).
    heap: { type: 'string' },
    // Writes a heap snapshot of the API after the load (.data/read-probe/*.heapsnapshot).
    'heap-snapshot': { type: 'boolean' },
  },
});
const SECONDS = Number(flags.seconds ?? 5);
const OFFSET = Number(flags['port-offset'] ?? 50);
const API_PORT = 3900 + OFFSET;

async function main() {
  const config = loadConfig();
  const logger = createLogger('warn', 'read-probe');
  const dataDir = resolve(config.DATA_DIR, 'read-probe');
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: 5499 + OFFSET, database: 'burndown_probe', logger });
  const temporal = await startTemporalDevServer({
    dataDir,
    port: 7299 + OFFSET,
    uiPort: 0,
    logger,
    ephemeral: true,
    headless: true,
  });
  const db = createDatabase({ connectionString: postgres.url, poolSize: 8, applicationName: 'probe' });
  const stops: (() => Promise<void>)[] = [async () => db.destroy(), () => temporal.stop(), () => postgres.stop()];
  try {
    await migrateToLatest(db);
    const ledger = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
    const key = await createApiKey(db, { name: 'probe', subject: 'probe', scopes: ['admin'] });
    const auth = { authorization: `Bearer ${key.token}` };
    await createCreditType(db, { id: 'ai', name: 'AI credits', precision: 2 });
    const accounts = Array.from({ length: 200 }, (_, i) => `probe-${i}`);
    for (const id of accounts) {
      await createAccount(db, { id, name: id });
      await issueGrant(ledger, { accountId: id, creditType: 'ai', amount: '1000000', source: 'purchase' }, { actor: 'probe' });
    }
    const hello = await httpBaseline(3901 + OFFSET, SECONDS);
    const api = await spawnReady(
      'api',
      [
        ...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${dataDir}`] : []),
        `--max-old-space-size=${flags.heap ?? API_HEAP_MB}`,
        ...(flags['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dataDir}`] : []),
        'src/cli/api.ts',
      ],
      {
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        PORT: String(API_PORT),
        METRICS_LISTEN: `127.0.0.1:${9464 + OFFSET}`,
        LOG_LEVEL: 'info',
        DATABASE_POOL_SIZE: '64',
        TEMPORAL_TASK_QUEUE: 'burndown-probe',
      },
      () => false,
      async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`)).ok,
    );
    stops.unshift(api.stop);
    // The API's memory under the load: peak RSS sampled, and its V8 heap from its own metrics at the end.
    let peakRss = 0;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMegabytes(api.child.pid!))), 250);
    stops.unshift(() => Promise.resolve(clearInterval(rssTimer)));
    const baseUrl = `http://127.0.0.1:${API_PORT}`;
    const pick = (i: number) => accounts[(i * 7919) % accounts.length]!;
    const results: LoadResult[] = [hello];
    // Each read path at 64 and at 8 connections: a path is the URL of the i-th request.
    const reads: [string, (i: number) => string][] = [
      ['balance read', (i) => `/v1/accounts/${pick(i)}/balance`],
      ['entitlement check', (i) => `/v1/accounts/${pick(i)}/entitlements/${i % 2 ? 'chat' : 'tokens'}?quantity=${1 + (i % 5000)}`],
    ];
    // Warm-up, not recorded: the API's pool opens its connections, V8 compiles the hot code, the caches fill.
    for (const [name, path] of reads) {
      await runLoad({
        name: `${name}, warm-up`,
        baseUrl,
        connections: 64,
        seconds: 2,
        op: async (c, i) => [(await request(c, 'GET', path(i), auth)).status],
      });
    }
    // CPU per request of the API and of PostgreSQL (all its backends): what a read costs, which a busy machine slows but does not change much.
    const postmaster = Number((await readFile(resolve(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const cpu: Record<string, string> = {};
    const measured = async (load: Promise<LoadResult>, before = [cpuMilliseconds(api.child.pid!), pgCpu()]) => {
      const r = await load;
      const per = (now: number, then: number) => ((now - then) / Math.max(1, r.ops + r.errors)).toFixed(3);
      cpu[r.name] = `API ${per(cpuMilliseconds(api.child.pid!), before[0]!)} + PostgreSQL ${per(pgCpu(), before[1]!)} ms CPU per request`;
      return r;
    };
    const pgCpu = () => cpuMilliseconds(postmaster, { children: true });
    for (const connections of [64, 8]) {
      for (const [name, path] of reads) {
        results.push(
          await measured(
            runLoad({
              name: `${name}, ${connections} connections`,
              baseUrl,
              connections,
              seconds: SECONDS,
              op: async (c, i) => [(await request(c, 'GET', path(i), auth)).status],
            }),
          ),
        );
      }
    }
    results.push(
      await measured(
        runLoad({
          name: 'GET /healthz (middleware floor)',
          baseUrl,
          connections: 64,
          seconds: SECONDS,
          op: async (c) => [(await request(c, 'GET', '/healthz', {})).status],
        }),
      ),
    );
    if (flags['heap-snapshot']) {
      api.child.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 20_000));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${9464 + OFFSET}/metrics`)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
    console.log(
      `API memory: peak RSS ${peakRss.toFixed(0)} MB, at the end RSS ${rssMegabytes(api.child.pid!).toFixed(0)} MB, ` +
        `heap used ${gauge('nodejs_heap_size_used_bytes').toFixed(0)} of ${gauge('nodejs_heap_size_total_bytes').toFixed(0)} MB` +
        ` (--max-old-space-size=${flags.heap ?? API_HEAP_MB})`,
    );
    for (const r of results)
      console.log(
        `${r.name.padEnd(36)} ${r.opsPerSecond.toFixed(0).padStart(6)}/s  ${(r.opsPerSecond / hello.opsPerSecond).toFixed(2)}×  ` +
          `p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms  errors ${r.errors} ${JSON.stringify(r.statuses)}` +
          (cpu[r.name] ? `\n${''.padEnd(38)}${cpu[r.name]}` : ''),
      );
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
}

await main();
