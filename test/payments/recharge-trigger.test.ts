import { describe, expect, it } from 'vitest';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { createRechargeObserver } from '../../src/payments/recharge-trigger.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();

/** Auto-recharge settings written directly: this file is about the trigger, not the Stripe side. */
async function enableRecharge(accountId: string, threshold: bigint) {
  await f.deps.db
    .insertInto('recharge_settings')
    .values({
      account_id: accountId,
      credit_type: 'ai',
      enabled: true,
      threshold,
      bundle_id: 'ai-1000',
      quantity: 1,
      top_up_to: null,
      monthly_cap_minor: 100_000n,
      currency: 'USD',
      payment_method_id: null,
      trigger_pending_since: null,
      updated_at: new Date(),
    })
    .execute();
}

async function pendingSince(accountId: string) {
  const row = await f.deps.db
    .selectFrom('recharge_settings')
    .select('trigger_pending_since')
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return row.trigger_pending_since;
}

describe('auto-recharge trigger (ledger observer, real PostgreSQL)', () => {
  it("a pooled child burning its parent's grants below the parent's threshold triggers the parent's recharge", async () => {
    const kicked: string[] = [];
    const deps: LedgerDeps = {
      ...f.deps,
      observers: [createRechargeObserver((accountId, creditType) => kicked.push(`${accountId}/${creditType}`))],
    };
    const parent = await newAccount(deps);
    const child = await newAccount(deps, { parentId: parent });
    await issueGrant(deps, { accountId: parent, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    await enableRecharge(parent, 5_000n); // 50.00 credits

    await deduct(deps, { accountId: child, creditType: 'ai', amount: '40' }, actor); // parent can spend 60: above
    expect(kicked).toEqual([]);
    expect(await pendingSince(parent)).toBeNull();

    await deduct(deps, { accountId: child, creditType: 'ai', amount: '15' }, actor); // 45: below
    expect(kicked).toEqual([`${parent}/ai`]);
    expect(await pendingSince(parent)).toEqual(f.clock.now());
  });
});
