import { describe, expect, it } from 'vitest';
import { deduct, issueGrant, voidGrantPartially } from '../../src/ledger/index.js';
import { parseCatalog } from '../../src/payments/catalog.js';
import { creditsForRefund, moneyForCredits } from '../../src/payments/refund-policy.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();

describe('voidGrantPartially (ledger)', () => {
  it('voids part of a grant, keeps it active, and closes it when nothing remains', async () => {
    const acct = await newAccount(f.deps);
    const grant = await issueGrant(f.deps, { accountId: acct, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '30' }, actor);
    expect(await voidGrantPartially(f.deps, grant.id, '20.50', actor)).toMatchObject({ remaining: '49.50', status: 'active' });
    await expect(voidGrantPartially(f.deps, grant.id, '50', actor)).rejects.toMatchObject({ code: 'void_exceeds_remaining' });
    expect(await voidGrantPartially(f.deps, grant.id, '49.50', { ...actor, idempotencyKey: 'k1' })).toMatchObject({
      remaining: '0.00',
      status: 'voided',
    });
    // The same key replays the first result instead of failing on the closed grant.
    expect(await voidGrantPartially(f.deps, grant.id, '49.50', { ...actor, idempotencyKey: 'k1' })).toMatchObject({ status: 'voided' });
    await expect(voidGrantPartially(f.deps, grant.id, '1', actor)).rejects.toMatchObject({ code: 'grant_not_active' });
    const balance = await f.deps.db.selectFrom('balances').selectAll().where('account_id', '=', acct).executeTakeFirstOrThrow();
    expect(balance).toMatchObject({ voided: 7000n, burned: 3000n, balance: 0n });
  });
});

describe('refund policy rounding', () => {
  const purchase = { credits: 100_000n, amount_minor: 5_000n }; // 1000.00 credits for $50.00
  it('takes back credits rounded up and returns money rounded down', () => {
    expect(creditsForRefund(purchase, 1n)).toBe(20n); // 1 cent = 0.20 credits exactly
    expect(creditsForRefund({ credits: 100n, amount_minor: 3n }, 1n)).toBe(34n); // 33.33… → 34
    expect(moneyForCredits({ credits: 100n, amount_minor: 3n }, 34n)).toBe(1n); // 1.02 → 1
    expect(moneyForCredits(purchase, 75_000n)).toBe(3_750n);
  });
});

describe('catalog', () => {
  it('parses exact prices and rejects bad entries with the bundle named', () => {
    const catalog = parseCatalog(
      'version: v1\nbundles:\n  - { id: b1, name: B, creditType: ai, credits: "1000", price: { amount: "50.00", currency: usd }, stripePriceId: price_1 }\n',
    );
    expect(catalog.bundles.get('b1')!.price).toEqual({ minor: 5000n, currency: 'USD' });
    expect(() =>
      parseCatalog(
        'version: v1\nbundles:\n  - { id: b1, name: B, creditType: ai, credits: "1", price: { amount: "0.001", currency: USD }, stripePriceId: p }\n',
      ),
    ).toThrow(/b1/);
    expect(() => parseCatalog('version: v1\nbundles: []\n')).toThrow(/bundles/);
  });
});
