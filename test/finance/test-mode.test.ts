import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/finance/periods.js';
import { computeRevenue } from '../../src/finance/revenue.js';
import { createAccount, deduct, issueGrant } from '../../src/ledger/index.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { day } from './helpers.js';

describe('test mode never reaches the books (R-I3, docs/TEST-MODE.md)', () => {
  const fx = useLedgerFixture();

  it('revenue recognition, and so the journal and its export, leave test-mode accounts out', async () => {
    const buy = async (accountId: string) => {
      fx.clock.set(day('2026-03-02'));
      const costBasis = { amount: '10.00', currency: 'USD' };
      await issueGrant(fx.deps, { accountId, creditType: 'ai', amount: '100', source: 'purchase', costBasis }, actor);
      await issueGrant(fx.deps, { accountId, creditType: 'ai', amount: '50', source: 'promo' }, actor);
      fx.clock.set(day('2026-03-03'));
      await deduct(fx.deps, { accountId, creditType: 'ai', amount: '120' }, { ...actor, feature: 'chat' });
    };
    await buy(await newAccount(fx.deps));
    const period = parsePeriod('2026-03');
    const liveOnly = await computeRevenue(fx.database.db, period, day('2026-04-01'));
    expect(liveOnly.currencies).toEqual([expect.objectContaining({ currency: 'USD', sold: 1000n })]);

    const sandbox = `tmbooks_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createAccount(fx.deps.db, { id: sandbox, name: 'Test mode', mode: 'test' });
    await buy(sandbox);
    expect(await computeRevenue(fx.database.db, period, day('2026-04-01'))).toEqual(liveOnly);
  });
});
