import { describe, expect, it } from 'vitest';
import { linkAccount } from '../../src/crm/links.js';
import { syncAccount, type CrmSyncDeps } from '../../src/crm/sync.js';
import { burnGrew, periodOf, type UpsellSettings } from '../../src/crm/upsell.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { useCrmFixture } from '../helpers/crm.js';
import { actor, newAccount } from '../helpers/ledger.js';

const DAY_MS = 86_400_000;
const upsell: UpsellSettings = {
  action: 'task',
  depletionDays: 14,
  burnGrowthPercent: '50',
  period: 'week',
  deal: { pipeline: 'default', stage: 'appointmentscheduled' },
};
const { f, fake, crmDeps, ledger } = useCrmFixture({ debounceSeconds: 1, upsell });

async function linkedAccount(credits: string) {
  const acct = await newAccount(f.deps);
  const companyId = fake.addCompany({ name: `Upsell ${acct}`, hubspot_owner_id: '55' });
  await linkAccount(f.deps.db, { accountId: acct, companyId }, f.deps.clock());
  await issueGrant(ledger(), { accountId: acct, creditType: 'ai', amount: credits, source: 'purchase' }, actor);
  return { acct, companyId };
}
const burn = (accountId: string, amount: string) => deduct(ledger(), { accountId, creditType: 'ai', amount }, actor);
const upsellTasks = (companyId: string) =>
  fake.associatedWith('tasks', companyId).filter((t) => t.properties.burndown_task_key?.includes(':upsell:'));

describe('upsell signal arithmetic', () => {
  it('compares week-over-week growth exactly, at the threshold and beyond 2^53', () => {
    expect(burnGrew(150n, 100n, '50')).toBe(true);
    expect(burnGrew(149n, 100n, '50')).toBe(false);
    expect(burnGrew(1125n, 1000n, '12.5')).toBe(true);
    expect(burnGrew(1124n, 1000n, '12.5')).toBe(false);
    expect(burnGrew(5n, 0n, '0')).toBe(false); // no burn last week: no rate to grow from
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a JS number would round it
    expect(burnGrew(big + big / 2n + 1n, big, '50')).toBe(true);
    expect(burnGrew(big + big / 2n, big, '50')).toBe(false);
  });

  it('names periods in UTC: day, ISO week (the year of its Thursday), month', () => {
    expect(periodOf(new Date('2026-01-01T00:00:00Z'), 'week')).toBe('2026-W01');
    expect(periodOf(new Date('2024-12-30T12:00:00Z'), 'week')).toBe('2025-W01');
    expect(periodOf(new Date('2027-01-01T23:59:59Z'), 'week')).toBe('2026-W53');
    expect(periodOf(new Date('2026-11-30T13:20:00Z'), 'day')).toBe('2026-11-30');
    expect(periodOf(new Date('2026-11-30T13:20:00Z'), 'month')).toBe('2026-11');
  });
});

describe('HubSpot upsell signals (real @hubspot/api-client against the fake, real PostgreSQL)', () => {
  it('a near depletion makes one owner task per period; a far one none', async () => {
    f.clock.set(new Date('2026-01-01T10:00:00Z')); // ISO week 2026-W01
    const near = await linkedAccount('1000');
    const far = await linkedAccount('10000');
    await burn(near.acct, '700'); // 100 a day: 300 left last 3 days
    await burn(far.acct, '700'); // 9,300 left last 93 days
    f.clock.advance(3_600_000);

    for (let i = 0; i < 3; i++) {
      await syncAccount(crmDeps(), near.acct);
      await syncAccount(crmDeps(), far.acct);
    }
    const [task] = upsellTasks(near.companyId);
    expect(upsellTasks(near.companyId)).toHaveLength(1);
    expect(task!.properties).toMatchObject({
      burndown_task_key: `${near.acct}:upsell:depletion:ai:2026-W01`,
      hs_task_subject: 'Burndown upsell: credits run out soon',
      hubspot_owner_id: '55',
    });
    expect(task!.properties.hs_task_body).toContain('AI credits run out around 2026-01-04T11:00:00.000Z at 100.00 a day (300.00 left)');
    expect(upsellTasks(far.companyId)).toEqual([]);

    // The next week it is still near: a second task, for the new period.
    f.clock.advance(7 * DAY_MS);
    await burn(near.acct, '150'); // 150 left at 150 a week: 7 days
    await syncAccount(crmDeps(), near.acct);
    await syncAccount(crmDeps(), near.acct);
    expect(upsellTasks(near.companyId).map((t) => t.properties.burndown_task_key)).toEqual([
      `${near.acct}:upsell:depletion:ai:2026-W01`,
      `${near.acct}:upsell:depletion:ai:2026-W02`,
    ]);
    expect(
      await f.deps.db.selectFrom('crm_upsell_signals').select(['signal', 'period', 'status']).where('account_id', '=', near.acct).execute(),
    ).toEqual([
      { signal: 'depletion', period: '2026-W01', status: 'created' },
      { signal: 'depletion', period: '2026-W02', status: 'created' },
    ]);
  });

  it('a week-over-week burn growth at the threshold makes one deal, even across a crash; just below it none', async () => {
    f.clock.set(new Date('2026-03-02T09:00:00Z')); // a Monday, 2026-W10
    const grew = await linkedAccount('100000');
    const flat = await linkedAccount('100000');
    await burn(grew.acct, '100'); // the week before
    await burn(flat.acct, '100');
    f.clock.advance(10 * DAY_MS);
    await burn(grew.acct, '150'); // +50 %
    await burn(flat.acct, '149'); // +49 %
    f.clock.advance(3_600_000);

    const real: CrmSyncDeps = { ...crmDeps(), upsell: { ...upsell, action: 'deal', deal: { pipeline: 'sales', stage: 'qualifiedtobuy' } } };
    // The worker dies right after HubSpot made the deal, before Burndown recorded it.
    const crashing: CrmSyncDeps = {
      ...real,
      gateway: {
        ...real.gateway,
        createDeal: async (deal) => {
          await real.gateway.createDeal(deal);
          throw new Error('worker killed before the deal was recorded');
        },
      },
    };
    await expect(syncAccount(crashing, grew.acct)).rejects.toThrow('worker killed');
    await Promise.all([syncAccount(real, grew.acct), syncAccount(real, grew.acct)]);
    expect((await syncAccount(real, grew.acct)).upsellsCreated).toBe(0);
    await syncAccount(real, flat.acct);

    const deals = fake.associatedWith('deals', grew.companyId);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.properties).toMatchObject({
      burndown_deal_key: `${grew.acct}:upsell:burn_growth:ai:2026-W11`,
      pipeline: 'sales',
      dealstage: 'qualifiedtobuy',
      hubspot_owner_id: '55',
    });
    expect(deals[0]!.properties.description).toContain('burned 150.00 in the last 7 days, 150.0 % of the 100.00 the 7 days before');
    expect(JSON.stringify(deals[0]!.associations)).toContain('"associationTypeId":5');
    expect(fake.associatedWith('deals', flat.companyId)).toEqual([]);
    expect(
      await f.deps.db.selectFrom('crm_upsell_signals').select('hubspot_object_id').where('account_id', '=', grew.acct).execute(),
    ).toEqual([{ hubspot_object_id: deals[0]!.id }]);
  });
});
