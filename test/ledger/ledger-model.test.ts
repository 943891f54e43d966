import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  commitHold,
  createHold,
  deduct,
  expireGrant,
  getBalances,
  issueGrant,
  refundBurn,
  releaseHold,
  sweepExpiredHolds,
  voidGrant,
} from '../../src/ledger/index.js';
import { checkLedgerInvariants } from '../../src/ledger/invariants.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

/**
 * Model-based test: random sequences of ledger operations on one account and
 * one credit type ('ai', precision 2) run against the real ledger and against
 * a small in-memory model written from the documented rules (burn order,
 * settle, holds, refunds, voids, expiry). After every command the balances
 * must match the model; after every run the ledger invariants must hold.
 *
 * Replay a failure with the seed and path fast-check prints:
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run test/ledger/ledger-model.test.ts
 */
const f = useLedgerFixture();
const CT = 'ai';
const seed = process.env.FC_SEED === undefined ? 20_261_121 : Number(process.env.FC_SEED);
const path = process.env.FC_PATH;

// ---- the model (amounts are bigint hundredths) --------------------------------

interface MGrant {
  id: string;
  remaining: bigint;
  priority: number;
  effectiveAt: number;
  expiresAt: number | null;
  status: 'active' | 'voided' | 'expired';
  /** Creation order: the burn order's last tie-breaks (created_at, then id) follow it. */
  seq: number;
}
interface MHold {
  id: string;
  amount: bigint;
  allocs: { grant: MGrant; amount: bigint }[];
  expiresAt: number | null;
  status: 'active' | 'committed' | 'released' | 'expired';
}
/** A deduct or commit: what it burned per source (null: the overdraft), and what refunds returned so far. */
interface MBurn {
  txId: string;
  parts: { grant: MGrant | null; amount: bigint; refunded: bigint }[];
}
interface Model {
  now: number;
  limit: bigint;
  debt: bigint;
  grants: MGrant[];
  holds: MHold[];
  burns: MBurn[];
  totals: { granted: bigint; burned: bigint; refunded: bigint; expired: bigint; voided: bigint };
}
interface Real {
  accountId: string;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const sum = (xs: bigint[]) => xs.reduce((s, x) => s + x, 0n);
/** Written here rather than imported, so the model does not borrow the formatter under test. */
function dec(units: bigint): string {
  const abs = units < 0n ? -units : units;
  return `${units < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

const live = (g: MGrant, now: number) => g.status === 'active' && (g.expiresAt === null || g.expiresAt > now);
const spendable = (g: MGrant, now: number) => live(g, now) && g.effectiveAt <= now && g.remaining > 0n;
/** Burn order: lower priority first, then soonest expiry (never-expiring last), then oldest. */
function burnOrder(grants: MGrant[]): MGrant[] {
  return [...grants].sort((a, b) => a.priority - b.priority || (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.seq - b.seq);
}
const funds = (m: Model) => sum(m.grants.filter((g) => spendable(g, m.now)).map((g) => g.remaining));

/** Pays the debt from spendable grants in burn order, as every grant, deduct and hold does first. */
function settle(m: Model): void {
  for (const g of burnOrder(m.grants.filter((x) => spendable(x, m.now)))) {
    const take = min(g.remaining, m.debt);
    g.remaining -= take;
    m.debt -= take;
  }
}

function take(m: Model, amount: bigint): { grant: MGrant; amount: bigint }[] {
  const parts = [];
  let left = amount;
  for (const g of burnOrder(m.grants.filter((x) => spendable(x, m.now)))) {
    if (left === 0n) break;
    const t = min(g.remaining, left);
    g.remaining -= t;
    left -= t;
    parts.push({ grant: g, amount: t });
  }
  return parts;
}

/** Commits `commit` of a hold in burn order and releases the rest; what returns to a dead grant dies with it. */
function closeHold(m: Model, hold: MHold, commit: bigint, status: MHold['status']): MBurn['parts'] {
  const parts: MBurn['parts'] = [];
  let left = commit;
  for (const { grant: g, amount } of burnOrder(hold.allocs.map((a) => a.grant)).map((g) => hold.allocs.find((a) => a.grant === g)!)) {
    const c = min(left, amount);
    left -= c;
    if (c > 0n) parts.push({ grant: g, amount: c, refunded: 0n });
    if (amount - c > 0n) {
      g.remaining += amount - c;
      if (!live(g, m.now)) {
        m.totals[g.status === 'voided' ? 'voided' : 'expired'] += g.remaining;
        g.remaining = 0n;
        if (g.status === 'active') g.status = 'expired';
      }
    }
  }
  m.totals.burned += commit;
  hold.status = status;
  return parts;
}

// ---- comparing the model with the ledger --------------------------------------

async function compare(m: Model, r: Real): Promise<void> {
  const balance = (await getBalances(f.deps.db, r.accountId, new Date(m.now))).balances.find((b) => b.creditType === CT);
  const available = funds(m) - m.debt;
  const held = sum(m.holds.filter((h) => h.status === 'active').map((h) => h.amount));
  const t = m.totals;
  expect({
    available: balance?.available ?? '0.00',
    held: balance?.held ?? '0.00',
    pending: balance?.pending ?? '0.00',
    total: balance?.total ?? '0.00',
    overdraftUsed: balance?.overdraftUsed ?? '0.00',
    overdraftLimit: balance?.overdraftLimit ?? '0.00',
    lifetime: balance?.lifetime ?? { granted: '0.00', burned: '0.00', refunded: '0.00', expired: '0.00', voided: '0.00' },
    grants: (balance?.grants ?? []).map((g) => [g.id, g.remaining]),
  }).toEqual({
    available: dec(available),
    held: dec(held),
    pending: dec(sum(m.grants.filter((g) => live(g, m.now) && g.effectiveAt > m.now).map((g) => g.remaining))),
    total: dec(available + held),
    overdraftUsed: dec(m.debt),
    overdraftLimit: dec(m.limit),
    lifetime: { granted: dec(t.granted), burned: dec(t.burned), refunded: dec(t.refunded), expired: dec(t.expired), voided: dec(t.voided) },
    // Live grants with credits left, in burn order: checks which grant every burn took from.
    grants: burnOrder(m.grants.filter((g) => live(g, m.now) && g.remaining > 0n)).map((g) => [g.id, dec(g.remaining)]),
  });
  const holds = await f.deps.db.selectFrom('holds').select(['id', 'status']).where('account_id', '=', r.accountId).orderBy('id').execute();
  expect(holds).toEqual(m.holds.map((h) => ({ id: h.id, status: h.status })).sort((a, b) => (a.id < b.id ? -1 : 1)));
}

// ---- commands ---------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Model, Real>;
function command(name: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, r: Real) => Promise<void>): Cmd {
  return {
    check,
    run: async (m, r) => {
      await run(m, r);
      await compare(m, r);
    },
    toString: () => name,
  };
}
const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
/** Mostly one the operation can act on; every fifth pick any, to reach the refusals too. */
function prefer<T>(xs: T[], usable: (x: T) => boolean, i: number): T {
  const good = xs.filter(usable);
  return pick(i % 5 === 0 || good.length === 0 ? xs : good, i);
}
const pickHold = (m: Model, i: number) => prefer(m.holds, (h) => h.status === 'active' && (h.expiresAt ?? Infinity) > m.now, i);
const units = (max: bigint) => fc.bigInt({ min: 1n, max });

const grantCmd = fc
  .record({
    amount: units(10_000n),
    priority: fc.constantFrom(10, 30, 100),
    delay: fc.option(fc.constantFrom(60_000, 3_600_000), { freq: 4 }),
    life: fc.option(fc.constantFrom(60_000, 600_000, 3_600_000), { freq: 2 }),
  })
  .map(({ amount, priority, delay, life }) =>
    command(
      `grant(${dec(amount)}, p${priority}, delay ${delay}, life ${life})`,
      () => true,
      async (m, r) => {
        const effectiveAt = m.now + (delay ?? 0);
        const expiresAt = life === null ? null : effectiveAt + life;
        const view = await issueGrant(
          f.deps,
          {
            accountId: r.accountId,
            creditType: CT,
            amount: dec(amount),
            source: 'promo',
            priority,
            effectiveAt: delay === null ? undefined : new Date(effectiveAt),
            expiresAt: expiresAt === null ? null : new Date(expiresAt),
          },
          actor,
        );
        m.grants.push({ id: view.id, remaining: amount, priority, effectiveAt, expiresAt, status: 'active', seq: m.grants.length });
        m.totals.granted += amount;
        settle(m);
      },
    ),
  );

const deductCmd = fc.record({ amount: units(4000n), allowPartial: fc.boolean() }).map(({ amount, allowPartial }) =>
  command(
    `deduct(${dec(amount)}${allowPartial ? ', partial' : ''})`,
    () => true,
    async (m, r) => {
      const call = deduct(f.deps, { accountId: r.accountId, creditType: CT, amount: dec(amount), allowPartial }, actor);
      // Settling first moves the same amount out of funds and out of debt.
      const settled = min(m.debt, funds(m));
      const debtAfterSettle = m.debt - settled;
      const headroom = m.limit > debtAfterSettle ? m.limit - debtAfterSettle : 0n;
      const burnable = funds(m) - settled + headroom;
      if (amount > burnable && (!allowPartial || burnable === 0n)) {
        await expect(call).rejects.toMatchObject({
          code: 'insufficient_credits',
          available: dec(funds(m) - m.debt),
          shortfall: dec(amount - burnable),
        });
        return;
      }
      const result = await call;
      settle(m);
      const toBurn = min(amount, burnable);
      const parts: MBurn['parts'] = take(m, toBurn).map((p) => ({ ...p, refunded: 0n }));
      const fromGrants = sum(parts.map((p) => p.amount));
      if (toBurn > fromGrants) {
        m.debt += toBurn - fromGrants;
        parts.push({ grant: null, amount: toBurn - fromGrants, refunded: 0n });
      }
      m.totals.burned += toBurn;
      m.burns.push({ txId: result.transactionId, parts });
      expect(result).toMatchObject({
        deducted: dec(toBurn),
        balance: { available: dec(funds(m) - m.debt), overdraftUsed: dec(m.debt) },
      });
    },
  ),
);

const holdCmd = fc.record({ amount: units(3000n), ttl: fc.option(fc.constantFrom(30, 60, 600), { freq: 3 }) }).map(({ amount, ttl }) =>
  command(
    `hold(${dec(amount)}, ttl ${ttl})`,
    () => true,
    async (m, r) => {
      const call = createHold(f.deps, { accountId: r.accountId, creditType: CT, amount: dec(amount), ttlSeconds: ttl }, actor);
      // Holds never use the overdraft.
      const available = funds(m) - m.debt;
      if (amount > available) {
        // Reported as it is, negative while an overdraft is in use (as deduct reports it).
        await expect(call).rejects.toMatchObject({
          code: 'insufficient_credits',
          available: dec(available),
          shortfall: dec(amount - available),
        });
        return;
      }
      const view = await call;
      settle(m);
      const expiresAt = ttl === null ? null : m.now + ttl * 1000;
      m.holds.push({ id: view.id, amount, allocs: take(m, amount), expiresAt, status: 'active' });
      expect(view).toMatchObject({
        amount: dec(amount),
        status: 'active',
        expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      });
    },
  ),
);

const commitCmd = fc.record({ i: fc.nat(), all: fc.boolean(), raw: fc.bigInt({ min: 0n, max: 10_000n }) }).map(({ i, all, raw }) =>
  command(
    `commit(hold #${i}, ${all ? 'all' : raw})`,
    (m) => m.holds.length > 0,
    async (m) => {
      const hold = pickHold(m, i);
      // Up to one unit more than held, to reach commit_exceeds_hold now and then.
      const amount = all ? hold.amount : raw % (hold.amount + 2n);
      const call = commitHold(f.deps, hold.id, all ? undefined : dec(amount), actor);
      if (hold.status !== 'active') return void (await expect(call).rejects.toMatchObject({ code: 'hold_not_active' }));
      if (hold.expiresAt !== null && hold.expiresAt <= m.now)
        return void (await expect(call).rejects.toMatchObject({ code: 'hold_expired' }));
      if (amount > hold.amount) return void (await expect(call).rejects.toMatchObject({ code: 'commit_exceeds_hold' }));
      const view = await call;
      m.burns.push({ txId: view.closedTransactionId!, parts: closeHold(m, hold, amount, 'committed') });
      expect(view).toMatchObject({ status: 'committed', committedAmount: dec(amount) });
    },
  ),
);

const releaseCmd = fc.nat().map((i) =>
  command(
    `release(hold #${i})`,
    (m) => m.holds.length > 0,
    async (m) => {
      const hold = pickHold(m, i);
      const call = releaseHold(f.deps, hold.id, actor);
      if (hold.status !== 'active') return void (await expect(call).rejects.toMatchObject({ code: 'hold_not_active' }));
      expect(await call).toMatchObject({ status: 'released', committedAmount: '0.00' });
      closeHold(m, hold, 0n, 'released');
    },
  ),
);

const refundCmd = fc.record({ i: fc.nat(), raw: fc.option(fc.bigInt({ min: 0n, max: 10_000n })) }).map(({ i, raw }) =>
  command(
    `refund(burn #${i}, ${raw ?? 'rest'})`,
    (m) => m.burns.length > 0,
    async (m, r) => {
      const burn = pick(m.burns, i);
      const refundable = sum(burn.parts.map((p) => p.amount - p.refunded));
      // Up to one unit more than is left, to reach refund_exceeds_burn now and then.
      const amount = raw === null ? refundable : 1n + (raw % (refundable + 1n));
      const call = refundBurn(
        f.deps,
        { accountId: r.accountId, transactionId: burn.txId, amount: raw === null ? undefined : dec(amount) },
        actor,
      );
      if (amount === 0n) return void (await expect(call).rejects.toMatchObject({ code: 'nothing_to_refund' }));
      if (amount > refundable) return void (await expect(call).rejects.toMatchObject({ code: 'refund_exceeds_burn' }));
      const result = await call;
      expect(result).toMatchObject({ refunded: dec(amount), remainingRefundable: dec(refundable - amount) });
      // Newest part first; a live source grant takes its credits back, an
      // overdraft part pays the debt, anything else becomes a new refund grant.
      const created: MGrant[] = [];
      let left = amount;
      for (const part of [...burn.parts].reverse()) {
        const portion = min(part.amount - part.refunded, left);
        if (portion === 0n) continue;
        left -= portion;
        part.refunded += portion;
        m.totals.refunded += portion;
        if (part.grant && live(part.grant, m.now)) {
          part.grant.remaining += portion;
          continue;
        }
        const pay = part.grant === null ? min(m.debt, portion) : 0n;
        m.debt -= pay;
        if (portion > pay) {
          const g: MGrant = {
            id: '',
            remaining: portion - pay,
            priority: part.grant?.priority ?? 90,
            effectiveAt: m.now,
            expiresAt: null,
            status: 'active',
            seq: m.grants.length,
          };
          m.grants.push(g);
          created.push(g);
        }
      }
      // The refund grants' ids, in creation order (one transaction: same created_at, ids ascending).
      const rows = await f.deps.db
        .selectFrom('grants')
        .select('id')
        .where('account_id', '=', r.accountId)
        .where('transaction_id', '=', result.transactionId)
        .orderBy('id')
        .execute();
      expect(rows.length).toBe(created.length);
      created.forEach((g, k) => (g.id = rows[k]!.id));
    },
  ),
);

const voidCmd = fc.nat().map((i) =>
  command(
    `void(grant #${i})`,
    (m) => m.grants.length > 0,
    async (m) => {
      const g = pick(m.grants, i);
      const call = voidGrant(f.deps, g.id, actor);
      if (g.status !== 'active') return void (await expect(call).rejects.toMatchObject({ code: 'grant_not_active' }));
      expect(await call).toMatchObject({ status: 'voided', remaining: '0.00' });
      m.totals.voided += g.remaining;
      g.remaining = 0n;
      g.status = 'voided';
    },
  ),
);

const expireCmd = fc.nat().map((i) =>
  command(
    `expire(grant #${i})`,
    (m) => m.grants.length > 0,
    async (m) => {
      const g = prefer(m.grants, (x) => x.status === 'active' && x.expiresAt !== null && x.expiresAt <= m.now, i);
      const result = await expireGrant(f.deps, g.id, actor);
      if (g.status !== 'active' || g.expiresAt === null || g.expiresAt > m.now) {
        expect(result).toEqual({ grantId: g.id, expired: '0.00', status: g.status });
        return;
      }
      expect(result).toEqual({ grantId: g.id, expired: dec(g.remaining), status: 'expired' });
      m.totals.expired += g.remaining;
      g.remaining = 0n;
      g.status = 'expired';
    },
  ),
);

const sweepCmd = fc.constant(
  command(
    'sweepExpiredHolds',
    () => true,
    async (m) => {
      const due = m.holds.filter((h) => h.status === 'active' && h.expiresAt !== null && h.expiresAt <= m.now);
      // The sweep is global: earlier runs' accounts may have due holds too.
      expect(await sweepExpiredHolds(f.deps, 10_000)).toBeGreaterThanOrEqual(due.length);
      for (const h of due) closeHold(m, h, 0n, 'expired');
    },
  ),
);

const clockCmd = fc.constantFrom(1_000, 10_000, 30_000, 60_000, 600_000, 3_600_000).map((ms) =>
  command(
    `advance(${ms / 1000}s)`,
    () => true,
    (m) => {
      m.now += ms;
      f.clock.set(new Date(m.now));
      return Promise.resolve();
    },
  ),
);

it('random ledger operations keep the balances the model predicts, and the invariants', async () => {
  await fc.assert(
    fc.asyncProperty(
      // The account's overdraft limit: none in two runs of three.
      fc.constantFrom(0n, 0n, 2000n),
      // Repeated entries weigh the mix: grants and deducts keep the account busy,
      // holds need commits to reach refunds.
      fc.commands(
        [
          ...[grantCmd, deductCmd, holdCmd, commitCmd, refundCmd, clockCmd].flatMap((c) => [c, c]),
          ...[releaseCmd, voidCmd, expireCmd, sweepCmd],
        ],
        { maxCommands: 60, size: 'max' },
      ),
      async (limit, cmds) => {
        // A fresh account per run; the clock only ever moves forward.
        const accountId = await newAccount(f.deps, limit > 0n ? { overdraftLimit: { [CT]: dec(limit) } } : {});
        const model: Model = {
          now: f.clock.now().getTime(),
          limit,
          debt: 0n,
          grants: [],
          holds: [],
          burns: [],
          totals: { granted: 0n, burned: 0n, refunded: 0n, expired: 0n, voided: 0n },
        };
        await fc.asyncModelRun(() => ({ model, real: { accountId } }), cmds);
        expect(await checkLedgerInvariants(f.deps.db)).toEqual([]);
      },
    ),
    // 50 runs of up to 60 commands: about 10 s on two cores.
    { seed, path, numRuns: 50 },
  );
  // Room for fast-check to shrink a failure (each step replays against the database).
}, 300_000);
