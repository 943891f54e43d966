/**
 * The offline sandbox's payments (issue 16, R-O3): `npm start` without Stripe
 * credentials runs stripe-mock behind the Stripe simulator, and purchases
 * complete as in Stripe's test mode, through the production path: a signed
 * payment_intent.succeeded to the API's own webhook route, verified, granted.
 * The stack is wired as `npm start` wires it (src/runtime), with the sandbox's
 * configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/runtime/sandbox.js';
import { useRunningStack } from '../helpers/stack.js';

let sandbox: Sandbox;
beforeAll(async () => {
  // A HubSpot token given: only the Stripe side of the sandbox is under test.
  sandbox = await startSandbox({ HUBSPOT_ACCESS_TOKEN: 'not-used' }, createLogger('silent', 'test-sandbox'));
});
const stack = useRunningStack(() => sandbox.env);
beforeAll(async () => {
  sandbox.deliverTo(stack.api.url);
  expect((await stack.call('POST', '/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 })).status).toBe(201);
});
afterAll(async () => {
  await sandbox?.stop();
});

async function newAccount(id: string) {
  expect((await stack.call('POST', '/v1/accounts', { id, name: id })).status).toBe(201);
}

const available = async (id: string) =>
  // Tests read arbitrary JSON answers field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (await stack.call('GET', `/v1/accounts/${id}/balance`)).body.balances.find((b: any) => b.creditType === 'ai')?.available as string;

async function settled(purchaseId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const purchase = await stack.call('GET', `/v1/purchases/${purchaseId}`);
    if (purchase.body.status !== 'pending' || Date.now() > deadline) return purchase.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('sandbox payments (stripe-mock behind the Stripe simulator)', () => {
  it('points the SDK at the simulator with a webhook secret of its own', () => {
    expect(sandbox.env.STRIPE_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.env.STRIPE_WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(sandbox.notes.join('\n')).toMatch(/Payments +simulated/);
  });

  it('a purchase the customer pays (client secret) completes by the signed webhook, and its credits are granted', async () => {
    await newAccount('buyer');
    const created = await stack.call('POST', '/v1/accounts/buyer/purchases', { bundleId: 'ai-100' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', grantId: null, amount: { amount: '5.00', currency: 'USD' } });
    expect(created.body.clientSecret).toBeTruthy();
    const purchase = await settled(created.body.id as string);
    expect(purchase).toMatchObject({ status: 'succeeded', credits: '100.00', paymentIntentId: created.body.paymentIntentId });
    expect(purchase.grantId).toBeTruthy();
    expect(await available('buyer')).toBe('100.00');
    // The production webhook path ran: the event was verified and recorded.
    const events = await stack.core.db.selectFrom('stripe_events').select('type').execute();
    expect(events.map((e) => e.type)).toContain('payment_intent.succeeded');
  });

  it('a purchase with a saved card succeeds within the request; the webhook that follows grants nothing more', async () => {
    await newAccount('saved-card');
    const created = await stack.call('POST', '/v1/accounts/saved-card/purchases', { bundleId: 'ai-100', paymentMethodId: 'pm_card_visa' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'succeeded', clientSecret: null });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await available('saved-card')).toBe('100.00');
  });

  it('auto-recharge charges the saved card and grants once', async () => {
    await newAccount('recharged');
    expect((await stack.call('POST', '/v1/accounts/recharged/grants', { creditType: 'ai', amount: '60', source: 'promo' })).status).toBe(
      201,
    );
    const settings = { creditType: 'ai', enabled: true, threshold: '50', bundleId: 'ai-100', quantity: 1 };
    expect(
      (await stack.call('POST', '/v1/accounts/recharged/auto-recharge', { ...settings, monthlyCap: { amount: '100.00', currency: 'USD' } }))
        .status,
    ).toBe(200);
    expect((await stack.call('POST', '/v1/accounts/recharged/deduct', { creditType: 'ai', amount: '20' })).status).toBe(200);
    const deadline = Date.now() + 30_000;
    while ((await available('recharged')) !== '140.00' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await available('recharged')).toBe('140.00');
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the webhook of the charge has come meanwhile
    expect(await available('recharged')).toBe('140.00');
    const purchases = await stack.core.db
      .selectFrom('purchases')
      .select(['status', 'origin'])
      .where('account_id', '=', 'recharged')
      .execute();
    expect(purchases).toEqual([{ status: 'succeeded', origin: 'recharge' }]);
  });

  it('the simulator refuses live keys: it only stands in for test mode', async () => {
    const response = await fetch(`${sandbox.env.STRIPE_API_BASE}/v1/customers`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_live_123' },
    });
    expect(response.status).toBe(401);
  });
});
