import fc from 'fast-check';
import { expect } from 'vitest';
import { getBalances } from '../../../src/ledger/index.js';
import type { LedgerFixture } from '../../helpers/ledger.js';
import { burnOrder, dec, funds, live, sum, type Model, type Real } from './model.js';

export const CT = 'ai';

/** The command builder of one fixture: every command compares the model with the ledger after it runs. */
export function commandBuilder(f: LedgerFixture) {
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
      lifetime: {
        granted: dec(t.granted),
        burned: dec(t.burned),
        refunded: dec(t.refunded),
        expired: dec(t.expired),
        voided: dec(t.voided),
      },
      // Live grants with credits left, in burn order: checks which grant every burn took from.
      grants: burnOrder(m.grants.filter((g) => live(g, m.now) && g.remaining > 0n)).map((g) => [g.id, dec(g.remaining)]),
    });
    const holds = await f.deps.db
      .selectFrom('holds')
      .select(['id', 'status'])
      .where('account_id', '=', r.accountId)
      .orderBy('id')
      .execute();
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
  return command;
}

export const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
/** Mostly one the operation can act on; every fifth pick any, to reach the refusals too. */
export function prefer<T>(xs: T[], usable: (x: T) => boolean, i: number): T {
  const good = xs.filter(usable);
  return pick(i % 5 === 0 || good.length === 0 ? xs : good, i);
}
export const pickHold = (m: Model, i: number) => prefer(m.holds, (h) => h.status === 'active' && (h.expiresAt ?? Infinity) > m.now, i);
export const units = (max: bigint) => fc.bigInt({ min: 1n, max });
