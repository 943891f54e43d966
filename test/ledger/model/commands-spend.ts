import fc from 'fast-check';
import { expect } from 'vitest';
import { commitHold, createHold, deduct, issueGrant } from '../../../src/ledger/index.js';
import { actor, type LedgerFixture } from '../../helpers/ledger.js';
import { commandBuilder, CT, pickHold, units } from './harness.js';
import { closeHold, dec, funds, min, settle, sum, take, type MBurn } from './model.js';

/** Commands that add and spend credits: grant, deduct, hold, commit. */
export function spendCommands(f: LedgerFixture) {
  const command = commandBuilder(f);
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

  return { grantCmd, deductCmd, holdCmd, commitCmd };
}
