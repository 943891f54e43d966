import fc from 'fast-check';
import { expect } from 'vitest';
import { expireGrant, refundBurn, releaseHold, sweepExpiredHolds, voidGrant } from '../../../src/ledger/index.js';
import { actor, type LedgerFixture } from '../../helpers/ledger.js';
import { commandBuilder, pick, pickHold, prefer } from './harness.js';
import { closeHold, dec, live, min, sum, type MGrant } from './model.js';

/** Commands that return, remove or age credits: release, refund, void, expire, the hold sweep, the clock. */
export function correctionCommands(f: LedgerFixture) {
  const command = commandBuilder(f);
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

  return { releaseCmd, refundCmd, voidCmd, expireCmd, sweepCmd, clockCmd };
}
