import { describe, expect, it } from 'vitest';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { setAlertSetting } from '../../src/notifications/alert-settings.js';
import { createBalanceAlertObserver } from '../../src/notifications/balance-alerts.js';
import { eventCatalog } from '../../src/notifications/catalog.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const observer = createBalanceAlertObserver({ lowThreshold: 0, rearmPercent: 20 });
const withAlerts = (): LedgerDeps => ({ ...f.deps, observers: [observer] });

async function events(accountId: string) {
  return f.deps.db.selectFrom('outbox_events').selectAll().where('account_id', '=', accountId).orderBy('seq').execute();
}

describe('balance.low and balance.depleted (ledger observer, outbox in the same transaction)', () => {
  it('fires balance.low once below the threshold, stays quiet until the balance is back above the re-arm level', async () => {
    const deps = withAlerts();
    const acct = await newAccount(deps);
    await setAlertSetting(deps.db, { accountId: acct, creditType: 'ai', lowThreshold: '100' }, 20);
    await issueGrant(deps, { accountId: acct, creditType: 'ai', amount: '150', source: 'purchase' }, actor);
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '40' }, actor); // 110: above
    expect(await events(acct)).toHaveLength(0);
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '20' }, actor); // 90: low fires
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '5' }, actor); // 85: no repeat
    await issueGrant(deps, { accountId: acct, creditType: 'ai', amount: '30', source: 'promo' }, actor); // 115: below re-arm 120
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '20' }, actor); // 95: still disarmed, no flap
    let low = (await events(acct)).filter((e) => e.type === 'balance.low');
    expect(low).toHaveLength(1);
    expect(low[0]!.payload).toEqual({ accountId: acct, creditType: 'ai', available: '90.00', threshold: '100.00', rearmAt: '120.00' });
    expect(eventCatalog['balance.low'].payload.safeParse(low[0]!.payload).success).toBe(true);

    await issueGrant(deps, { accountId: acct, creditType: 'ai', amount: '30', source: 'promo' }, actor); // 125: re-armed
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '30' }, actor); // 95: fires again
    low = (await events(acct)).filter((e) => e.type === 'balance.low');
    expect(low.map((e) => (e.payload as { available: string }).available)).toEqual(['90.00', '95.00']);
  });

  it('fires balance.depleted at zero, once, and again only after a top-up', async () => {
    const deps = withAlerts();
    const acct = await newAccount(deps);
    await issueGrant(deps, { accountId: acct, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    await deduct(deps, { accountId: acct, creditType: 'storage', amount: '10' }, actor);
    expect((await events(acct)).map((e) => e.type)).toEqual(['balance.depleted']);
    await issueGrant(deps, { accountId: acct, creditType: 'storage', amount: '3', source: 'purchase' }, actor);
    await deduct(deps, { accountId: acct, creditType: 'storage', amount: '3' }, actor);
    const depleted = (await events(acct)).filter((e) => e.type === 'balance.depleted');
    expect(depleted).toHaveLength(2);
    expect(depleted[1]!.payload).toEqual({ accountId: acct, creditType: 'storage', available: '0' });
  });

  it("a pooled child burning its parent's grants alerts the parent", async () => {
    const deps = withAlerts();
    const parent = await newAccount(deps);
    const child = await newAccount(deps, { parentId: parent });
    await setAlertSetting(deps.db, { accountId: parent, creditType: 'ai', lowThreshold: '100' }, 20);
    await issueGrant(deps, { accountId: parent, creditType: 'ai', amount: '150', source: 'purchase' }, actor);
    await issueGrant(deps, { accountId: parent, creditType: 'storage', amount: '10', source: 'purchase' }, actor);
    await deduct(deps, { accountId: child, creditType: 'ai', amount: '40' }, actor); // parent 110: above
    expect(await events(parent)).toHaveLength(0);
    await deduct(deps, { accountId: child, creditType: 'ai', amount: '20' }, actor); // parent 90: low fires
    await deduct(deps, { accountId: child, creditType: 'ai', amount: '5' }, actor); // 85: no repeat
    await deduct(deps, { accountId: child, creditType: 'storage', amount: '10' }, actor); // parent storage 0: depleted
    const fired = await events(parent);
    expect(fired.map((e) => [e.type, e.payload])).toEqual([
      ['balance.low', { accountId: parent, creditType: 'ai', available: '90.00', threshold: '100.00', rearmAt: '120.00' }],
      ['balance.depleted', { accountId: parent, creditType: 'storage', available: '0' }],
    ]);
    // The child has no credits of its own and no threshold: it is not alerted.
    expect(await events(child)).toEqual([]);
  });

  it('uses the default threshold (whole credits) when the account has none', async () => {
    const deps: LedgerDeps = { ...f.deps, observers: [createBalanceAlertObserver({ lowThreshold: 5, rearmPercent: 0 })] };
    const acct = await newAccount(deps);
    await issueGrant(deps, { accountId: acct, creditType: 'ai', amount: '6', source: 'purchase' }, actor);
    await deduct(deps, { accountId: acct, creditType: 'ai', amount: '1.01' }, actor);
    const [event] = await events(acct);
    expect(event?.payload).toMatchObject({ available: '4.99', threshold: '5.00', rearmAt: '5.00' });
  });

  it('a ledger transaction that rolls back leaves no event and no alert state (outbox atomicity)', async () => {
    const failing: LedgerDeps = {
      ...f.deps,
      observers: [observer, () => Promise.reject(new Error('abort after the event was written'))],
    };
    const acct = await newAccount(f.deps);
    await setAlertSetting(f.deps.db, { accountId: acct, creditType: 'ai', lowThreshold: '100' }, 20);
    await issueGrant(withAlerts(), { accountId: acct, creditType: 'ai', amount: '150', source: 'purchase' }, actor);
    await expect(deduct(failing, { accountId: acct, creditType: 'ai', amount: '150' }, actor)).rejects.toThrow('abort after the event');
    expect(await events(acct)).toEqual([]);
    expect(
      await f.deps.db.selectFrom('balance_alert_state').selectAll().where('account_id', '=', acct).where('low_active', '=', true).execute(),
    ).toEqual([]);
    // The same burn committed writes both events, in one transaction with the entries.
    await deduct(withAlerts(), { accountId: acct, creditType: 'ai', amount: '150' }, actor);
    expect((await events(acct)).map((e) => e.type)).toEqual(['balance.low', 'balance.depleted']);
  });
});
