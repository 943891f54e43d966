import type { KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { checkEntitlement } from '../../src/consumption/entitlement.js';
import { issueGrant } from '../../src/ledger/index.js';
import { call } from '../helpers/api.js';
import { actor, newAccount } from '../helpers/ledger.js';
import { fundedAccount, useConsumptionStack } from './fixture.js';

const s = useConsumptionStack();

const at = (iso: string) => s.ledger.clock.set(new Date(iso));
const check = (acct: string, feature: string, quantity?: string, key?: string) =>
  call(
    s.api,
    'GET',
    `/v1/accounts/${acct}/entitlements/${feature}${quantity === undefined ? '' : `?quantity=${quantity}`}`,
    key ? { key } : {},
  );
const written = async (acct: string) => ({
  entries: (await s.ledger.deps.db.selectFrom('ledger_entries').select('id').where('account_id', '=', acct).execute()).length,
  holds: (await s.ledger.deps.db.selectFrom('holds').select('id').where('account_id', '=', acct).execute()).length,
  shadows: (await s.ledger.deps.db.selectFrom('shadow_entries').select('id').where('account_id', '=', acct).execute()).length,
});

/** Counts every statement a database handle sends (kysely plugins see raw sql too). */
function counting(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    plugin: { transformQuery: (args) => (n++, args.node), transformResult: (args) => Promise.resolve(args.result) },
    count: () => n,
  };
}

describe('entitlement check (GET /v1/accounts/{id}/entitlements/{feature}, real API and PostgreSQL)', () => {
  it('prices the quantity and judges it against the balance, writing nothing', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    const before = await written(acct);
    const ok = await check(acct, 'chat', '3');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      allowed: true,
      cost: '3.00',
      creditType: 'ai',
      available: '10.00',
      reason: 'within_balance',
      shortfall: null,
      accountId: acct,
      feature: 'chat',
      quantity: '3',
      enforcementMode: 'enforce',
      pricingVersion: '2026-01',
      rule: 'features.chat',
      cohort: null,
      override: null,
    });
    expect((await check(acct, 'chat')).body).toMatchObject({ quantity: '1', cost: '1.00' });
    const no = await check(acct, 'chat', '11');
    expect(no.body).toMatchObject({ allowed: false, cost: '11.00', available: '10.00', reason: 'insufficient_credits', shortfall: '1.00' });
    // The rule's explicit rounding: 1 token at 0.02 per 1000 is 0.00002, rounded up to 0.01; 1500 tokens is 0.03 exactly.
    expect((await check(acct, 'tokens', '1')).body).toMatchObject({ cost: '0.01', allowed: true });
    expect((await check(acct, 'tokens', '1500')).body).toMatchObject({ cost: '0.03' });
    expect(await written(acct)).toEqual(before);
    // Same available as the balance read.
    const balance = await call(s.api, 'GET', `/v1/accounts/${acct}/balance`);
    expect(balance.body!.balances[0].available).toBe(ok.body!.available);
  });

  it('counts the overdraft limit, the pool parent’s credits, holds and the enforcement mode', async () => {
    at('2026-03-10T12:00:00Z');
    const overdraft = await fundedAccount(s.ledger.deps, '10', { overdraftLimit: { ai: '5' } });
    expect((await check(overdraft, 'chat', '12')).body).toMatchObject({ allowed: true, reason: 'within_overdraft', shortfall: null });
    expect((await check(overdraft, 'chat', '16')).body).toMatchObject({
      allowed: false,
      reason: 'insufficient_credits',
      shortfall: '1.00',
    });

    const parent = await fundedAccount(s.ledger.deps, '50');
    const child = await newAccount(s.ledger.deps, { parentId: parent });
    expect((await check(child, 'chat', '40')).body).toMatchObject({ allowed: true, available: '50.00' });

    const held = await fundedAccount(s.ledger.deps, '10');
    const hold = await call(s.api, 'POST', `/v1/accounts/${held}/holds`, { body: { creditType: 'ai', amount: '8' } });
    expect(hold.status).toBe(201);
    expect((await check(held, 'chat', '3')).body).toMatchObject({ allowed: false, available: '2.00', shortfall: '1.00' });

    const shadow = await fundedAccount(s.ledger.deps, '1', { enforcementMode: 'shadow' });
    expect((await check(shadow, 'chat', '5')).body).toMatchObject({
      allowed: true,
      reason: 'shadow_would_block',
      shortfall: '4.00',
      enforcementMode: 'shadow',
    });
    const off = await fundedAccount(s.ledger.deps, null, { enforcementMode: 'off' });
    expect((await check(off, 'chat', '5')).body).toMatchObject({
      allowed: true,
      reason: 'enforcement_off',
      available: '0.00',
      shortfall: null,
    });
  });

  it('prices by the account’s pinned version and cohort', async () => {
    at('2026-08-10T12:00:00Z');
    const current = await fundedAccount(s.ledger.deps, '10');
    const pinned = await fundedAccount(s.ledger.deps, '10', { pricingVersion: '2026-01' });
    const cohort = await fundedAccount(s.ledger.deps, '10', { cohort: 'startup' });
    expect((await check(current, 'chat', '2')).body).toMatchObject({ cost: '3.00', pricingVersion: '2026-07' });
    expect((await check(pinned, 'chat', '2')).body).toMatchObject({ cost: '2.00', pricingVersion: '2026-01' });
    expect((await check(cohort, 'chat', '2')).body).toMatchObject({ cost: '1.50', rule: 'cohorts.startup.chat', cohort: 'startup' });
  });

  it('refuses bad input with field errors, and other accounts to a customer key', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const unknownFeature = await check(acct, 'teleport', '1');
    expect(unknownFeature.status).toBe(400);
    expect(unknownFeature.body!.errors).toEqual([expect.objectContaining({ path: 'feature', code: 'unknown_feature' })]);
    const badQuantity = await check(acct, 'chat', '1e3');
    expect(badQuantity.status).toBe(400);
    expect(badQuantity.body!.errors[0].path).toBe('query.quantity');
    const unknownField = await call(s.api, 'GET', `/v1/accounts/${acct}/entitlements/chat?quantity=1&dryRun=1`);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body!.errors).toEqual([expect.objectContaining({ path: 'query.dryRun', code: 'unknown_field' })]);
    expect((await check('nobody-here', 'chat', '1')).status).toBe(404);
    const customer = await s.api.key(['customer'], acct);
    expect((await check(acct, 'chat', '1', customer)).status).toBe(200);
    const other = await fundedAccount(s.ledger.deps, '10');
    expect((await check(other, 'chat', '1', customer)).status).toBe(404);
  });

  it('is one SQL statement per check, an override in force included (warm caches)', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    await issueGrant(s.ledger.deps, { accountId: acct, creditType: 'ai', amount: '5', source: 'promo' }, actor);
    const made = await call(s.api, 'POST', `/v1/accounts/${acct}/price-overrides`, {
      body: { feature: 'chat', rate: '0.40', effectiveFrom: '2026-03-01T00:00:00Z', reason: 'contract' },
    });
    expect(made.status).toBe(201);
    const statements = counting();
    const deps = { ...s.consumption, ledger: { ...s.ledger.deps, db: s.ledger.deps.db.withPlugin(statements.plugin) } };
    await checkEntitlement(deps, acct, 'chat', '1'); // first use of this handle: credit types and pricing registration are cached per handle
    const warm = statements.count();
    const verdict = await checkEntitlement(deps, acct, 'chat', '3');
    expect(statements.count() - warm).toBe(1);
    expect(verdict).toMatchObject({ allowed: true, cost: '1.20', available: '15.00', override: made.body!.id });
  });
});
