import { sql } from 'kysely';
import type { Database } from '../src/db/database.js';
import { getBalances } from '../src/ledger/index.js';
import { request, runLoad, type LoadResult } from './load.js';
import type { Row } from './report.js';

export interface HttpContext {
  baseUrl: string;
  auth: Record<string, string>;
  accounts: string[];
  /** What the account `hot` was granted, in whole credits. */
  hotCredits: bigint;
  seconds: number;
  tpcb: LoadResult;
  updateHot: LoadResult;
  db: Database;
  log: (s: string) => void;
}

/** Deduct (distinct accounts, latency at 8 connections, one hot account) and hold + commit, over HTTP. */
export async function ledgerHttpRows(ctx: HttpContext): Promise<Row[]> {
  const rows: Row[] = [];
  let n = 0;
  const idem = () => ({ ...ctx.auth, 'idempotency-key': `bench-${process.pid}-${n++}` });
  const pick = (i: number) => ctx.accounts[(i * 7919) % ctx.accounts.length]!;
  const progress = (name: string) => (done: number) => ctx.log(`${name}: ${done} ops`);

  ctx.log('deduct, distinct accounts');
  const deductDistinct = await runLoad({
    name: 'deduct, 10k distinct accounts',
    baseUrl: ctx.baseUrl,
    connections: 64,
    seconds: ctx.seconds,
    onProgress: progress('deduct distinct'),
    op: async (c, i) => [(await request(c, 'POST', `/v1/accounts/${pick(i)}/deduct`, idem(), { creditType: 'ai', amount: '1' })).status],
  });
  rows.push({
    operation: 'deduct, distinct accounts',
    result: deductDistinct,
    baseline: ctx.tpcb,
    target: '≥ 0.75 × raw 5-statement transaction/s',
    met: deductDistinct.errors === 0 && deductDistinct.opsPerSecond >= 0.75 * ctx.tpcb.opsPerSecond,
  });

  ctx.log('deduct, distinct accounts, 8 connections');
  const deductLatency = await runLoad({
    name: 'deduct, distinct accounts, 8 connections',
    baseUrl: ctx.baseUrl,
    connections: 8,
    seconds: ctx.seconds,
    onProgress: progress('deduct 8 connections'),
    op: async (c, i) => [
      (await request(c, 'POST', `/v1/accounts/${pick(i + 1)}/deduct`, idem(), { creditType: 'ai', amount: '1' })).status,
    ],
  });
  rows.push({
    operation: 'deduct, distinct accounts, 8 connections',
    result: deductLatency,
    target: 'p99 ≤ 15 ms',
    met: deductLatency.errors === 0 && deductLatency.p99 <= 15,
  });

  ctx.log('deduct, one hot account');
  const deductHot = await runLoad({
    name: 'deduct, one hot account',
    baseUrl: ctx.baseUrl,
    connections: 64,
    seconds: ctx.seconds,
    onProgress: progress('deduct hot'),
    op: async (c) => [(await request(c, 'POST', '/v1/accounts/hot/deduct', idem(), { creditType: 'ai', amount: '1' })).status],
  });
  // Every deduct of 1.00 that succeeded (warm-up included) is one ledger transaction:
  // no lost update means available = granted − their count, and never below zero.
  const hot = (await getBalances(ctx.db, 'hot', new Date())).balances[0]!;
  // Group commit puts many deducts in one database transaction: xmin tells which.
  const { rows: hotCounts } = await sql<{ n: string; xacts: string }>`
    select count(*)::text as n, count(distinct xmin::text)::text as xacts
    from ledger_transactions where account_id = 'hot' and kind = 'deduct'`.execute(ctx.db);
  const deducts = Number(hotCounts[0]!.n);
  const perTransaction = (deducts / Number(hotCounts[0]!.xacts)).toFixed(1);
  const expectedHot = `${(ctx.hotCredits - BigInt(deducts)).toString()}.00`;
  const noOverdraft = hot.available === expectedHot && !hot.available.startsWith('-');
  rows.push({
    operation: 'deduct, one hot account',
    result: deductHot,
    baseline: ctx.updateHot,
    target: '≥ 0.5 × raw hot-row UPDATE/s (stretch ≥ 1.0 × through group commit), zero overdraft',
    met: deductHot.errors === 0 && deductHot.opsPerSecond >= 0.5 * ctx.updateHot.opsPerSecond && noOverdraft,
    note: `available after: ${hot.available} (expected ${expectedHot}): ${noOverdraft ? 'no overdraft, no lost update' : 'MISMATCH'}; group commit: ${perTransaction} deducts per database transaction`,
  });

  ctx.log('hold + commit pairs');
  const holdCommit = await runLoad({
    name: 'hold + commit pairs',
    baseUrl: ctx.baseUrl,
    connections: 64,
    seconds: ctx.seconds,
    onProgress: progress('hold+commit'),
    op: async (c, i) => {
      const hold = await request(c, 'POST', `/v1/accounts/${pick(i)}/holds`, idem(), { creditType: 'ai', amount: '2', ttlSeconds: 600 });
      if (hold.status !== 201) return [hold.status];
      const { id } = hold.json() as { id: string };
      const commit = await request(c, 'POST', `/v1/holds/${id}/commit`, idem(), { amount: '1' });
      return [hold.status, commit.status];
    },
  });
  rows.push({
    operation: 'hold + commit (pairs)',
    result: holdCommit,
    baseline: ctx.tpcb,
    target: '≥ 0.35 × raw 5-statement transaction/s in pairs',
    met: holdCommit.errors === 0 && holdCommit.opsPerSecond >= 0.35 * ctx.tpcb.opsPerSecond,
  });

  return rows;
}
