import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { commitHold, createHold, deduct, expireGrant, issueGrant, refundBurn, voidGrant } from '../../src/ledger/index.js';
import type { TestClock } from '../helpers/ledger.js';
import { actor, newAccount } from '../helpers/ledger.js';

export const day = (d: string) => new Date(`${d}T12:00:00.000Z`);

/** A usage event as consumption stores it, so a burn can point at the time the usage happened. */
export async function usageEvent(db: Database, accountId: string, id: string, eventTime: Date, receivedAt: Date): Promise<void> {
  await sql`insert into usage_events (id, account_id, feature, quantity, properties, event_time, received_at, status)
    values (${id}, ${accountId}, 'chat', '1', '{}'::jsonb, ${eventTime}, ${receivedAt}, 'burned')`.execute(db);
}

/**
 * January 2026 of two customers: purchases in USD and EUR, a promo and a
 * support grant, burns over several features, a credit refund, a hold
 * committed in part, expiries, a void, and usage events that arrive late.
 * The expected figures are worked out by hand in close-journal.test.ts.
 */
export async function januaryScenario(deps: LedgerDeps, clock: TestClock) {
  const a = await newAccount(deps);
  const b = await newAccount(deps);
  const at = (d: string) => clock.set(day(d));

  at('2026-01-02');
  await issueGrant(deps, { accountId: a, creditType: 'ai', amount: '80', source: 'promo', expiresAt: day('2026-01-15') }, actor);
  const g1 = await issueGrant(
    deps,
    { accountId: a, creditType: 'ai', amount: '300', source: 'purchase', costBasis: { amount: '10.00', currency: 'USD' } },
    actor,
  );
  const g2 = await issueGrant(
    deps,
    {
      accountId: a,
      creditType: 'ai',
      amount: '70',
      source: 'purchase',
      expiresAt: day('2026-01-20'),
      costBasis: { amount: '7.01', currency: 'USD' },
    },
    actor,
  );

  at('2026-01-03');
  const burn = await deduct(deps, { accountId: a, creditType: 'ai', amount: '90' }, { ...actor, feature: 'chat' });
  at('2026-01-04');
  await refundBurn(deps, { accountId: a, transactionId: burn.transactionId, amount: '5' }, actor);
  at('2026-01-05');
  const hold = await createHold(deps, { accountId: a, creditType: 'ai', amount: '40', feature: 'render' }, actor);
  await commitHold(deps, hold.id, '25.50', actor);
  at('2026-01-06');
  const support = await issueGrant(
    deps,
    { accountId: a, creditType: 'ai', amount: '20', source: 'support', expiresAt: day('2026-01-16'), reasonCode: 'goodwill' },
    actor,
  );
  at('2026-01-16');
  await expireGrant(deps, support.id, actor);
  await expireGrant(deps, (await issueGrantsOf(deps.db, a, 'promo'))[0]!, actor);
  at('2026-01-20');
  await expireGrant(deps, g2.id, actor);
  at('2026-01-21');
  await deduct(deps, { accountId: a, creditType: 'ai', amount: '100.01' }, { ...actor, feature: 'search' });

  at('2026-01-10');
  const g3 = await issueGrant(
    deps,
    { accountId: b, creditType: 'ai', amount: '123.45', source: 'purchase', costBasis: { amount: '99.99', currency: 'EUR' } },
    actor,
  );
  at('2026-01-11');
  await deduct(deps, { accountId: b, creditType: 'ai', amount: '12.34' }, { ...actor, feature: 'chat' });
  at('2026-01-25');
  await voidGrant(deps, g3.id, { ...actor, reason: 'purchase cancelled' });

  // February: an ordinary burn, then a January event that arrives within the late window.
  at('2026-02-02');
  await deduct(deps, { accountId: a, creditType: 'ai', amount: '10' }, { ...actor, feature: 'chat' });
  at('2026-02-03');
  await usageEvent(deps.db, a, 'ue_late_in_window', day('2026-01-30'), day('2026-02-03'));
  await deduct(deps, { accountId: a, creditType: 'ai', amount: '33.33' }, { ...actor, feature: 'chat', usageEventId: 'ue_late_in_window' });
  return { a, b, g1: g1.id, g2: g2.id, g3: g3.id };
}

async function issueGrantsOf(db: Database, accountId: string, source: string): Promise<string[]> {
  const rows = await db
    .selectFrom('grants')
    .select('id')
    .where('account_id', '=', accountId)
    .where('source', '=', source as 'promo')
    .execute();
  return rows.map((r) => r.id);
}

/** A January event that arrives after the freeze: it must adjust February. */
export async function lateAfterFreeze(deps: LedgerDeps, clock: TestClock, accountId: string) {
  clock.set(day('2026-02-09'));
  await usageEvent(deps.db, accountId, 'ue_late_after_freeze', day('2026-01-31'), day('2026-02-09'));
  await deduct(deps, { accountId, creditType: 'ai', amount: '3' }, { ...actor, feature: 'chat', usageEventId: 'ue_late_after_freeze' });
}
