import { sql } from 'kysely';
import type { Config } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/database.js';
import {
  commitHold,
  createAccount,
  createGroupCommit,
  createHold,
  deduct,
  getBalances,
  InsufficientCreditsError,
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

/** Minor units of an amount of the bench's credit type (precision 2). */
const units = (amount: string): bigint => BigInt(amount.replace('.', ''));

/** Every operation carries a ledger idempotency key, as production callers' do (the API derives one from the HTTP key). */
function keyed(prefix: string) {
  let n = 0;
  return () => ({ actor: 'bench', idempotencyKey: `${prefix}-${process.pid}-${n++}` });
}

interface HotRun {
  result: LoadResult;
  note: string;
  exact: boolean;
}

/**
 * One hot account, 64 callers: the timed closed loop of deducts of 1 (the
 * throughput), then the same callers go on with larger keyed deducts until
 * each has been refused: the run reaches the boundary. The grant is smaller
 * than the load asks for (twice what the raw hot-row UPDATE would burn in the
 * timed part, so the timed part itself does not reach it unless the ledger
 * beats that); past it the account may use its overdraft of 50 and no more.
 * Checked from the ledger: available ≥ −overdraft, the overdraft was reached
 * into, every refusal is a 402, and the sum of the accepted deducts is what
 * was burned (entries and totals), one ledger transaction each.
 */
async function hotAccountRun(ctx: DirectContext, db: Database, d: LedgerDeps, id: string, label: string): Promise<HotRun> {
  const overdraft = 50n;
  await createAccount(db, { id, name: id, overdraftLimit: { ai: overdraft.toString() } });
  const granted = BigInt(Math.ceil(2 * ctx.updateHot.opsPerSecond * (ctx.seconds + 1)));
  await issueGrant(d, { accountId: id, creditType: 'ai', amount: granted.toString(), source: 'purchase' }, { actor: 'bench' });
  const meta = keyed(id);
  let accepted = 0n;
  let acceptedOps = 0;
  const once = async (amount: string) => {
    const r = await deduct(d, { accountId: id, creditType: 'ai', amount }, meta());
    accepted += units(r.deducted);
    acceptedOps++;
  };
  ctx.log(`ledger in-process: ${label}`);
  const result = await closedLoop(`ledger call: ${label}`, 64, ctx.seconds, () => once('1'));

  // To the boundary: each caller deducts random amounts (about 500 deducts in
  // all), and after a refusal 1.00 at a time, until 1.00 is refused too.
  const left = units((await getBalances(db, id, new Date())).balances[0]!.available) + overdraft * 100n;
  const step = left / 250n + 1n;
  let refused = 0;
  let endedRefused = 0;
  const unexpected: string[] = [];
  let seed = 1;
  const random = () => BigInt((seed = (seed * 48271) % 2147483647));
  const text = (u: bigint) => `${u / 100n}.${(u % 100n).toString().padStart(2, '0')}`;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      let amount = 100n + (random() % step);
      for (;;) {
        try {
          await once(text(amount));
          if (amount > 100n) amount = 100n + (random() % step);
        } catch (error) {
          if (!(error instanceof InsufficientCreditsError)) return void unexpected.push(String(error));
          refused++;
          if (amount === 100n) return void endedRefused++;
          amount = 100n;
        }
      }
    }),
  );

  const balance = (await getBalances(db, id, new Date())).balances[0]!;
  const { rows } = await sql<{ burned: string; burns: string; transactions: string }>`
    select b.burned::text as burned,
      (select coalesce(sum(e.amount), 0)::text from ledger_entries e where e.account_id = b.account_id and e.entry_type = 'burn') as burns,
      (select count(*)::text from ledger_transactions t where t.account_id = b.account_id and t.kind = 'deduct') as transactions
    from balances b where b.account_id = ${id} and b.credit_type = 'ai'`.execute(db);
  const stored = rows[0]!;
  const available = units(balance.available);
  const debt = units(balance.overdraftUsed);
  const checks = {
    'available ≥ −overdraft': available >= -overdraft * 100n,
    'overdraft reached into': debt > 0n,
    'Σ accepted = burned': BigInt(stored.burned) === accepted && BigInt(stored.burns) === accepted,
    'one transaction per accepted deduct': Number(stored.transactions) === acceptedOps,
    'granted − burned = available': granted * 100n - accepted === available,
    'every caller ended with a 402': unexpected.length === 0 && endedRefused === 64,
  };
  const failed = Object.entries(checks)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  const exact = failed.length === 0;
  const note =
    `${exact ? 'boundary reached' : `MISMATCH (${failed.join(', ')}${unexpected.length ? `: ${unexpected[0]}` : ''})`}: ` +
    `granted ${granted}, ${acceptedOps} deducts accepted = burned ${balance.lifetime.burned}, ${refused} refused (402), ` +
    `available after ${balance.available} (overdraft ${overdraft})`;
  return { result, note, exact };
}

/**
 * The ledger measured in the bench process, without HTTP: one ledger call per
 * operation over a 64-connection pool with the observers the API runs
 * (balance alerts, recharge mark), 64 callers in closed loops, every
 * operation with a ledger idempotency key. Against the same baselines as the
 * HTTP rows, these show what the ledger itself costs; the HTTP rows add the
 * API's own work (authentication, the Idempotency-Key claim and the stored
 * response, which are two more commits in this phase).
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
    const meta = keyed('bench-direct');
    const pick = (i: number) => ctx.accounts[(i * 7919 + 13) % ctx.accounts.length]!;
    const rows: Row[] = [];

    ctx.log('ledger in-process: deduct, distinct accounts');
    const distinct = await closedLoop('ledger call: deduct, distinct accounts', 64, ctx.seconds, (i) =>
      deduct(deps, { accountId: pick(i), creditType: 'ai', amount: '1' }, meta()),
    );
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
      const run = await hotAccountRun(ctx, db, d, `hot-direct-${d === grouped ? 'grouped' : 'single'}`, label);
      const batches = d.groupCommit
        ? `; ${(d.groupCommit.stats.operations / d.groupCommit.stats.transactions).toFixed(1)} deducts per transaction`
        : '';
      rows.push({
        operation: `ledger call (in-process): ${label}`,
        result: run.result,
        baseline: ctx.updateHot,
        target: d === grouped ? '≥ 1.0 × raw hot-row UPDATE/s (stretch), zero overdraft' : '≥ 0.5 × raw hot-row UPDATE/s, zero overdraft',
        met: run.result.errors === 0 && run.exact && run.result.opsPerSecond >= (d === grouped ? 1 : 0.5) * ctx.updateHot.opsPerSecond,
        note: `${run.note}${batches}`,
      });
    }

    ctx.log('ledger in-process: hold + commit');
    const pairs = await closedLoop('ledger call: hold + commit', 64, ctx.seconds, async (i) => {
      const hold = await createHold(deps, { accountId: pick(i), creditType: 'ai', amount: '2', ttlSeconds: 600 }, meta());
      await commitHold(deps, hold.id, '1', meta());
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
