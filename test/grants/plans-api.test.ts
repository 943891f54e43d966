import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PlanCatalog } from '../../src/grants/plans.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

/** A plans directory holding one file, for the loader's refusals. */
function plansDir(version: string, yaml: string): URL {
  const dir = mkdtempSync(`${tmpdir()}/plans-`);
  writeFileSync(`${dir}/${version}.yaml`, yaml);
  return pathToFileURL(`${dir}/`);
}

describe('plan prices and GET /v1/plans', () => {
  it('resolves a priced plan with its exact price; 2026-01 plans stay unpriced', () => {
    const catalog = PlanCatalog.load();
    expect(catalog.latestVersion()).toBe('2026-12');
    expect(catalog.plan('starter', '2026-12').price).toEqual({ amount: '45.00', currency: 'USD' });
    expect(catalog.plan('free', '2026-12').price).toEqual({ amount: '0.00', currency: 'USD' });
    expect('price' in catalog.plan('starter', '2026-01')).toBe(false);
    expect(catalog.trial('team-trial', '2026-12').convertTo?.price).toEqual({ amount: '199.00', currency: 'USD' });
  });

  it('refuses a price with more decimals than its currency has, or a currency that is not a code', () => {
    const file = (price: string) => `version: '2031-01'
plans:
  p: { description: x, creditType: ai, amount: '1', period: { unit: month, count: 1 }, rollover: { rule: none }, price: ${price} }
`;
    expect(() => PlanCatalog.load(plansDir('2031-01', file("{ amount: '4.999', currency: USD }")))).toThrow(
      /plan p price: .*3 decimal places/,
    );
    expect(PlanCatalog.load(plansDir('2031-01', file("{ amount: '5', currency: jpy }"))).plan('p', '2031-01').price).toEqual({
      amount: '5',
      currency: 'JPY',
    });
    expect(() => PlanCatalog.load(plansDir('2031-01', file("{ amount: '5', currency: DOLLAR }")))).toThrow(/ISO 4217/);
  });

  it('lists every version with its plans for a pricing page, to any key', async () => {
    const acct = await newAccount(f.deps);
    const customer = await api.key(['customer'], acct);
    const res = await call(api, 'GET', '/v1/plans', { key: customer });
    expect(res.status, res.text).toBe(200);
    const data = res.body!.data as { version: string; latest: boolean; plans: { planId: string; price: unknown }[] }[];
    expect(data.map((v) => [v.version, v.latest])).toEqual([
      ['2026-01', false],
      ['2026-12', true],
    ]);
    expect(data[0]!.plans.map((p) => [p.planId, p.price])).toEqual([
      ['enterprise', null],
      ['starter', null],
      ['team', null],
    ]);
    expect(data[1]!.plans.find((p) => p.planId === 'team')).toEqual({
      planId: 'team',
      description: expect.stringContaining('5,000 AI credits'),
      creditType: 'ai',
      amount: '5000',
      period: { unit: 'month', count: 1 },
      rollover: { rule: 'capped', cap: '2000', expiresAfterPeriods: 1 },
      price: { amount: '199.00', currency: 'USD' },
    });
    expect(data[1]!.plans.find((p) => p.planId === 'free')!.price).toEqual({ amount: '0.00', currency: 'USD' });
    expect((await call(api, 'GET', '/v1/plans', { key: '' })).status).toBe(401);
    expect((await call(api, 'GET', '/v1/plans?x=1')).status).toBe(400);
  });
});
