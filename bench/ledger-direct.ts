import type { Config } from '../src/config/config.js';
import { createDatabase } from '../src/db/database.js';
import {
  commitHold,
  createAccount,
  createGroupCommit,
  createHold,
  deduct,
  getBalances,
  issueGrant,
  type LedgerDeps,
} from '../src/ledger/index.js';
import { createBalanceAlertObserver } from '../src/notifications/balance-alerts.js';
import { createRechargeObserver } from '../src/payments/recharge-trigger.js';
import type { LoadResult } from './load.js';
import type { Row } from './report.js';

export interface DirectContext {
  /** Full durability: the same server settings the API runs with. */
  databaseUrl: string;
  config: Config;
  accounts: string[];
  seconds: number;
  tpcb: LoadResult;
  updateHot: LoadResult;
  log: (s: string) => void;
}

/** `concurrency` closed loops calling `op` for `seconds` after a short warm-up; a rejection counts as an error. */
async function closedLoop(name: string, concurrency: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const warmupEnds = process.hrtime.bigint() + 1_000_000_000n;
  const deadline = warmupEnds + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (process.hrtime.bigint() < deadline) {
        const t0 = process.hrtime.bigint();
        const ok = await op(counter++).then(
          () => true,
          () => false,
        );
        if (t0 < warmupEnds) continue;
        if (!ok) errors++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  return {
    name,
    ops: latencies.length,
    errors,
    seconds,
    opsPerSecond: latencies.length / seconds,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    statuses: {},
  };
}

/**
 * The ledger measured in the bench process, without HTTP: one ledger call per
 * operation over a 64-connection pool with the observers the API runs
 * (balance alerts, recharge mark), 64 callers in closed loops. Against the
 * same baselines as the HTTP rows, these show what the ledger itself costs;
 * the HTTP rows add the API's own work (authentication, the Idempotency-Key
 * claim and the stored response, which are two more commits in this phase).
 */
export async function ledgerInProcessRows(ctx: DirectContext): Promise<Row[]> {
  const db = createDatabase({ connectionString: ctx.databaseUrl, poolSize: 64, applicationName: 'bench-ledger' });
  try {
    const observers = [
      createBalanceAlertObserver({
        lowThreshold: ctx.config.LOW_BALANCE_DEFAULT_THRESHOLD,
        rearmPercent: ctx.config.LOW_BALANCE_REARM_PERCENT,
      }),
      createRechargeObserver(),
    ];
    const deps: LedgerDeps = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400, observers };
    const grouped: LedgerDeps = { ...deps, groupCommit: createGroupCommit() };
    const meta = { actor: 'bench' };
    const pick = (i: number) => ctx.accounts[(i * 7919 + 13) % ctx.accounts.length]!;
    const rows: Row[] = [];
    const deductOf = (d: LedgerDeps, accountId: string) => () => deduct(d, { accountId, creditType: 'ai', amount: '1' }, meta);

    ctx.log('ledger in-process: deduct, distinct accounts');
    const distinct = await closedLoop('ledger call: deduct, distinct accounts', 64, ctx.seconds, (i) => deductOf(deps, pick(i))());
    rows.push({
      operation: 'ledger call (in-process): deduct, distinct accounts',
      result: distinct,
      baseline: ctx.tpcb,
      target: '≥ 0.75 × raw 5-statement transaction/s',
      met: distinct.errors === 0 && distinct.opsPerSecond >= 0.75 * ctx.tpcb.opsPerSecond,
    });

    for (const [label, d] of [
      ['deduct, one hot account', deps],
      ['deduct, one hot account, group commit', grouped],
    ] as const) {
      const hot = `hot-direct-${d === grouped ? 'grouped' : 'single'}`;
      await createAccount(db, { id: hot, name: hot });
      await issueGrant(deps, { accountId: hot, creditType: 'ai', amount: '10000000', source: 'purchase' }, meta);
      ctx.log(`ledger in-process: ${label}`);
      const result = await closedLoop(`ledger call: ${label}`, 64, ctx.seconds, deductOf(d, hot));
      const grantedUnits = 1_000_000_000n;
      const burned = await db
        .selectFrom('ledger_transactions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('account_id', '=', hot)
        .where('kind', '=', 'deduct')
        .executeTakeFirstOrThrow();
      const available = (await getBalances(db, hot, new Date())).balances[0]!.available;
      const expected = `${(grantedUnits / 100n - BigInt(burned.n)).toString()}.00`;
      const exact = available === expected;
      const batches = d.groupCommit
        ? `; ${(d.groupCommit.stats.operations / d.groupCommit.stats.transactions).toFixed(1)} deducts per transaction`
        : '';
      rows.push({
        operation: `ledger call (in-process): ${label}`,
        result,
        baseline: ctx.updateHot,
        target: d === grouped ? '≥ 1.0 × raw hot-row UPDATE/s (stretch), zero overdraft' : '≥ 0.5 × raw hot-row UPDATE/s, zero overdraft',
        met: result.errors === 0 && exact && result.opsPerSecond >= (d === grouped ? 1 : 0.5) * ctx.updateHot.opsPerSecond,
        note: `${exact ? 'no overdraft, no lost update' : `MISMATCH: available ${available}, expected ${expected}`}${batches}`,
      });
    }

    ctx.log('ledger in-process: hold + commit');
    const pairs = await closedLoop('ledger call: hold + commit', 64, ctx.seconds, async (i) => {
      const hold = await createHold(deps, { accountId: pick(i), creditType: 'ai', amount: '2', ttlSeconds: 600 }, meta);
      await commitHold(deps, hold.id, '1', meta);
    });
    rows.push({
      operation: 'ledger call (in-process): hold + commit (pairs)',
      result: pairs,
      baseline: ctx.tpcb,
      target: '≥ 0.35 × raw 5-statement transaction/s',
      met: pairs.errors === 0 && pairs.opsPerSecond >= 0.35 * ctx.tpcb.opsPerSecond,
    });
    return rows;
  } finally {
    await db.destroy();
  }
}
