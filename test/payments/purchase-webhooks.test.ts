import { beforeAll, describe, expect, it } from 'vitest';
import { PlanCatalog } from '../../src/grants/plans.js';
import { deduct } from '../../src/ledger/index.js';
import { reserveSubscriptionCharge } from '../../src/payments/subscription-charges.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { expectOutboxInCatalog } from '../helpers/notifications.js';
import { useStripeMock } from '../helpers/stripe-mock.js';
import { paymentsDeps, signedEvent } from './fixture.js';

const f = useLedgerFixture();
const mock = useStripeMock();
const api = useApi(f);

beforeAll(async () => {
  api.deps.payments = await paymentsDeps(f.deps, mock.url);
});

let eventSeq = 0;
const eventId = () => `evt_test_${process.pid}_${++eventSeq}`;

async function deliver(payload: string, header: string) {
  const response = await fetch(`${api.baseUrl}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    body: payload,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function succeededIntent(purchase: Record<string, unknown>, amount = 5000) {
  return {
    id: purchase.paymentIntentId,
    object: 'payment_intent',
    amount,
    amount_received: amount,
    currency: 'usd',
    status: 'succeeded',
    metadata: { purchase_id: purchase.id },
  };
}

async function buy(accountId: string) {
  const res = await call(api, 'POST', `/v1/accounts/${accountId}/purchases`, { body: { bundleId: 'ai-1000' } });
  expect(res.status, res.text).toBe(201);
  return res.body!;
}

async function purchaseGrants(accountId: string) {
  return f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).where('source', '=', 'purchase').execute();
}

async function outbox(accountId: string, type: string) {
  return f.deps.db.selectFrom('outbox_events').selectAll().where('account_id', '=', accountId).where('type', '=', type).execute();
}

describe('purchases (real SDK against stripe-mock)', () => {
  it('creates a PaymentIntent for a bundle and grants nothing until it is paid', async () => {
    const acct = await newAccount(f.deps);
    const key = `purchase-${acct}`;
    const first = await call(api, 'POST', `/v1/accounts/${acct}/purchases`, { body: { bundleId: 'ai-1000' }, idempotencyKey: key });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({
      status: 'pending',
      bundleId: 'ai-1000',
      credits: '1000.00',
      amount: { amount: '50.00', currency: 'USD' },
      grantId: null,
      catalogVersion: '2026-11-01',
    });
    expect(first.body!.paymentIntentId).toMatch(/^pi_/);
    expect(first.body!.clientSecret).toMatch(/secret/);
    const again = await call(api, 'POST', `/v1/accounts/${acct}/purchases`, { body: { bundleId: 'ai-1000' }, idempotencyKey: key });
    expect(again.body!.id).toBe(first.body!.id);
    expect(await purchaseGrants(acct)).toHaveLength(0);
    expect(await f.deps.db.selectFrom('stripe_customers').selectAll().where('account_id', '=', acct).execute()).toHaveLength(1);
  });

  it('rejects an unknown bundle with a field error', async () => {
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/purchases`, { body: { bundleId: 'nope' } });
    expect(res.status).toBe(400);
    expect(res.body!.errors).toEqual([expect.objectContaining({ path: 'bundleId' })]);
  });

  it('creates a SetupIntent on the account’s one Stripe customer', async () => {
    const acct = await newAccount(f.deps);
    const a = await call(api, 'POST', `/v1/accounts/${acct}/setup-intents`);
    const b = await call(api, 'POST', `/v1/accounts/${acct}/setup-intents`);
    expect(a.status, a.text).toBe(201);
    expect(a.body!.clientSecret).toBeTruthy();
    expect(b.body!.customerId).toBe(a.body!.customerId);
  });
});

describe('Stripe webhooks', () => {
  it('grants once, with cost basis and PaymentIntent id, when payment_intent.succeeded arrives 5 times at once', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const { payload, header } = signedEvent({ id: eventId(), type: 'payment_intent.succeeded', object: succeededIntent(purchase) });
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver(payload, header)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    // The same payment under another event id (Stripe may send both) changes nothing either.
    const other = signedEvent({ id: eventId(), type: 'payment_intent.succeeded', object: succeededIntent(purchase) });
    expect((await deliver(other.payload, other.header)).status).toBe(200);

    const grants = await purchaseGrants(acct);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({
      external_ref: purchase.paymentIntentId,
      amount: 100000n,
      cost_basis_minor: 5000n,
      cost_basis_currency: 'USD',
      pricing_version: '2026-11-01',
    });
    const stored = await call(api, 'GET', `/v1/purchases/${purchase.id}`);
    expect(stored.body).toMatchObject({ status: 'succeeded', grantId: grants[0]!.id });
    expect(await outbox(acct, 'purchase.succeeded')).toHaveLength(1);
    await expectOutboxInCatalog(f.deps.db, acct);
  });

  it('a bad signature, a stale timestamp or a replayed event has no effect', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const event = { id: eventId(), type: 'payment_intent.succeeded', object: succeededIntent(purchase) };
    const forged = signedEvent(event, { secret: 'whsec_wrong' });
    expect((await deliver(forged.payload, forged.header)).status).toBe(400);
    const stale = signedEvent(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await deliver(stale.payload, stale.header)).status).toBe(400);
    const tampered = signedEvent(event);
    expect((await deliver(tampered.payload.replace('5000', '5001'), tampered.header)).status).toBe(400);
    expect(await purchaseGrants(acct)).toHaveLength(0);

    const good = signedEvent(event);
    expect((await deliver(good.payload, good.header)).body.outcome).toBe('processed');
    const replay = await deliver(good.payload, good.header);
    expect(replay).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await purchaseGrants(acct)).toHaveLength(1);
  });

  it('refuses to grant for a payment that does not match the purchase', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const { payload, header } = signedEvent({ id: eventId(), type: 'payment_intent.succeeded', object: succeededIntent(purchase, 100) });
    expect((await deliver(payload, header)).status).toBe(500);
    expect(await purchaseGrants(acct)).toHaveLength(0);
    expect(
      await f.deps.db.selectFrom('stripe_events').selectAll().where('id', '=', `evt_test_${process.pid}_${eventSeq}`).execute(),
    ).toHaveLength(0);
  });

  it('payment_intent.payment_failed marks the purchase failed without a grant', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const pi = {
      ...succeededIntent(purchase),
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' },
    };
    const { payload, header } = signedEvent({ id: eventId(), type: 'payment_intent.payment_failed', object: pi });
    expect((await deliver(payload, header)).status).toBe(200);
    expect((await call(api, 'GET', `/v1/purchases/${purchase.id}`)).body).toMatchObject({
      status: 'failed',
      failureReason: 'insufficient_funds',
    });
    expect(await purchaseGrants(acct)).toHaveLength(0);
  });

  it('a subscription’s PaymentIntent only signals its workflow: no purchase grant (the workflow issues the allotment)', async () => {
    const acct = await newAccount(f.deps);
    const payments = api.deps.payments!;
    const plan = PlanCatalog.load().plan('starter', '2026-12');
    const { purchaseId } = await reserveSubscriptionCharge(payments, {
      subscriptionId: `sub_${acct}`,
      accountId: acct,
      plan,
      periodIndex: 0,
      workflowId: `subscription-sub_${acct}`,
    });
    await f.deps.db
      .updateTable('purchases')
      .set({ payment_intent_id: `pi_${acct}` })
      .where('id', '=', purchaseId)
      .execute();
    const signalled: unknown[] = [];
    const notify = payments.notifyRecharge;
    payments.notifyRecharge = (workflowId, update) => Promise.resolve(void signalled.push([workflowId, update]));
    try {
      const pi = { ...succeededIntent({ id: purchaseId, paymentIntentId: `pi_${acct}` }, 4500) };
      const { payload, header } = signedEvent({ id: eventId(), type: 'payment_intent.succeeded', object: pi });
      expect((await deliver(payload, header)).status).toBe(200);
    } finally {
      payments.notifyRecharge = notify;
    }
    expect(signalled).toEqual([[`subscription-sub_${acct}`, { paymentIntentId: `pi_${acct}`, status: 'succeeded' }]]);
    expect(await purchaseGrants(acct)).toHaveLength(0);
    expect(await outbox(acct, 'subscription.succeeded')).toHaveLength(0);
  });

  it('charge.refunded takes back the unburned share; burned credits stay burned and are reported', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const paid = signedEvent({ id: eventId(), type: 'payment_intent.succeeded', object: succeededIntent(purchase) });
    await deliver(paid.payload, paid.header);
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '700' }, actor);

    const charge = (refunded: number) => ({
      id: 'ch_test_1',
      object: 'charge',
      amount: 5000,
      amount_refunded: refunded,
      currency: 'usd',
      payment_intent: purchase.paymentIntentId,
    });
    const half = signedEvent({ id: eventId(), type: 'charge.refunded', object: charge(2500) });
    expect((await deliver(half.payload, half.header)).status).toBe(200);
    let grant = (await purchaseGrants(acct))[0]!;
    expect(grant).toMatchObject({ remaining: 0n, status: 'voided' });
    const [event] = await outbox(acct, 'purchase.refunded');
    expect(event!.payload).toMatchObject({
      reversedCredits: '300.00',
      unrecoveredCredits: '200.00',
      refundedTotal: { amount: '25.00', currency: 'USD' },
    });
    expect((await call(api, 'GET', `/v1/purchases/${purchase.id}`)).body).toMatchObject({
      status: 'partially_refunded',
      refunded: { amount: '25.00' },
    });

    const again = signedEvent({ id: eventId(), type: 'charge.refunded', object: charge(2500) });
    await deliver(again.payload, again.header);
    const full = signedEvent({ id: eventId(), type: 'charge.refunded', object: charge(5000) });
    await deliver(full.payload, full.header);
    grant = (await purchaseGrants(acct))[0]!;
    const balance = await f.deps.db.selectFrom('balances').selectAll().where('account_id', '=', acct).executeTakeFirstOrThrow();
    expect(balance).toMatchObject({ voided: 30000n, burned: 70000n, balance: 0n });
    expect((await call(api, 'GET', `/v1/purchases/${purchase.id}`)).body).toMatchObject({ status: 'refunded' });
    await expectOutboxInCatalog(f.deps.db, acct);
  });

  it('charge.dispute.created flags the account and writes purchase.disputed', async () => {
    const acct = await newAccount(f.deps);
    const purchase = await buy(acct);
    const dispute = {
      id: 'dp_test_1',
      object: 'dispute',
      amount: 5000,
      currency: 'usd',
      reason: 'fraudulent',
      charge: 'ch_x',
      payment_intent: purchase.paymentIntentId,
    };
    const { payload, header } = signedEvent({ id: eventId(), type: 'charge.dispute.created', object: dispute });
    expect((await deliver(payload, header)).status).toBe(200);
    const status = await call(api, 'GET', `/v1/accounts/${acct}/auto-recharge`);
    expect(status.body!.flags).toEqual([expect.objectContaining({ flag: 'disputed', reference: 'dp_test_1' })]);
    expect(await outbox(acct, 'purchase.disputed')).toHaveLength(1);
    await expectOutboxInCatalog(f.deps.db, acct);
  });

  it('is mounted outside API-key auth and refuses requests without a signature', async () => {
    const res = await fetch(`${api.baseUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
  });
});
