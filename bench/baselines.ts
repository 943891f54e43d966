import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { request, runLoad, type LoadResult } from './load.js';
import { spawnReady } from './processes.js';

/** Runs `work` on `connections` pooled clients in closed loops for `seconds`. */
async function pgLoop(
  url: string,
  name: string,
  connections: number,
  seconds: number,
  work: (client: pg.PoolClient, i: number) => Promise<number>,
) {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const latencies: number[] = [];
  let units = 0;
  let counter = 0;
  // Connect first: connection set-up is not what is measured.
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  const started = Date.now();
  await Promise.all(
    clients.map(async (client) => {
      try {
        while (Date.now() - started < seconds * 1000) {
          const t0 = process.hrtime.bigint();
          // Not `units += await …`: that reads `units` before the await and loses concurrent updates.
          const done = await work(client, counter++);
          units += done;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      } finally {
        client.release();
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  await pool.end();
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return {
    name,
    ops: units,
    errors: 0,
    seconds: elapsed,
    opsPerSecond: units / elapsed,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    statuses: {},
  } satisfies LoadResult;
}

export async function postgresBaselines(url: string, seconds: number, log: (s: string) => void): Promise<Record<string, LoadResult>> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop table if exists bench_rows, bench_accounts, bench_tellers, bench_branches, bench_history, bench_insert`);
  await admin.query(`create table bench_rows (id int primary key, v int8 not null default 0)`);
  await admin.query(`insert into bench_rows select g from generate_series(1, 10000) g`);
  await admin.query(`create table bench_accounts (aid int primary key, bid int, abalance int8 default 0)`);
  await admin.query(`create table bench_tellers (tid int primary key, bid int, tbalance int8 default 0)`);
  await admin.query(`create table bench_branches (bid int primary key, bbalance int8 default 0)`);
  await admin.query(`create table bench_history (tid int, bid int, aid int, delta int8, mtime timestamptz default now())`);
  await admin.query(`insert into bench_accounts select g, (g - 1) / 10000 + 1 from generate_series(1, 100000) g`);
  await admin.query(`insert into bench_tellers select g, (g - 1) / 10 + 1 from generate_series(1, 100) g`);
  await admin.query(`insert into bench_branches select g from generate_series(1, 10) g`);
  await admin.query(
    `create table bench_insert (id bigint generated always as identity, account_id text, amount int8, created_at timestamptz default now())`,
  );
  await admin.end();

  const results: Record<string, LoadResult> = {};
  log('baseline: single-row UPDATE, distinct rows');
  results.updateDistinct = await pgLoop(url, 'raw UPDATE, distinct rows', 64, seconds, async (c, i) => {
    await c.query('update bench_rows set v = v + 1 where id = $1', [((i * 7919) % 10000) + 1]);
    return 1;
  });
  log('baseline: single-row UPDATE, one hot row');
  results.updateHot = await pgLoop(url, 'raw UPDATE, one hot row', 64, seconds, async (c) => {
    await c.query('update bench_rows set v = v + 1 where id = 1');
    return 1;
  });
  log('baseline: 5-statement TPC-B-like transaction');
  results.tpcb = await pgLoop(url, 'raw 5-statement transaction', 64, seconds, async (c, i) => {
    const aid = ((i * 7919) % 100000) + 1;
    const tid = (i % 100) + 1;
    const bid = (i % 10) + 1;
    await c.query('begin');
    await c.query('update bench_accounts set abalance = abalance + 1 where aid = $1', [aid]);
    await c.query('select abalance from bench_accounts where aid = $1', [aid]);
    await c.query('update bench_tellers set tbalance = tbalance + 1 where tid = $1', [tid]);
    await c.query('update bench_branches set bbalance = bbalance + 1 where bid = $1', [bid]);
    await c.query('insert into bench_history (tid, bid, aid, delta) values ($1, $2, $3, 1)', [tid, bid, aid]);
    await c.query('commit');
    return 1;
  });
  log('baseline: multi-row INSERT (1,000 rows a statement)');
  results.insertRows = await pgLoop(url, 'raw multi-row INSERT (rows)', 8, seconds, async (c, i) => {
    await c.query(
      `insert into bench_insert (account_id, amount) select 'a' || (g % 1000), g from generate_series($1::int, $1::int + 999) g`,
      [i * 1000],
    );
    return 1000;
  });
  return results;
}

export async function httpBaseline(port: number, seconds: number): Promise<LoadResult> {
  const server = await spawnReady('hello-server', ['bench/hello-server.ts', String(port)]);
  try {
    return await runLoad({
      name: 'Express hello world',
      baseUrl: `http://127.0.0.1:${port}`,
      connections: 64,
      seconds,
      op: async (client) => [(await request(client, 'GET', '/', {})).status],
    });
  } finally {
    await server.stop();
  }
}

/** Completed no-op workflows (3 no-op activities each) per second, 64 in flight. */
export async function temporalBaseline(address: string, seconds: number): Promise<LoadResult> {
  const taskQueue = `bench-noop-${process.pid}`;
  const worker = await spawnReady('noop-worker', ['bench/noop-worker.ts', address, taskQueue]);
  const client = new Client({ connection: await Connection.connect({ address }) });
  try {
    let n = 0;
    return await runLoad({
      name: 'no-op workflow + 3 activities',
      baseUrl: 'http://127.0.0.1:1',
      connections: 64,
      seconds,
      op: async () => {
        await client.workflow.execute('noopWorkflow', { taskQueue, workflowId: `noop-${process.pid}-${n++}`, args: [] });
        return [200];
      },
    });
  } finally {
    await client.connection.close();
    await worker.stop();
  }
}
