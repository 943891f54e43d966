import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueSessionToken } from '../../src/auth/session-tokens.js';
import { issueGrant } from '../../src/ledger/index.js';
import { signedEvent } from '../payments/fixture.js';
import { paymentsDeps } from '../payments/fixture.js';
import { call, useApi } from '../helpers/api.js';
import { collectPageErrors, expectAccessible, useBrowser } from '../helpers/browser.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { useStripeMock } from '../helpers/stripe-mock.js';
import { useHostPage } from './host-page.js';
import { deepText, percentile, waitForText } from './page-helpers.js';

const f = useLedgerFixture();
const mock = useStripeMock();
const overrides: Record<string, string> = {};
const shop = useHostPage(overrides, () => api.baseUrl);
const api = useApi(f, overrides);
const b = useBrowser();

beforeAll(async () => {
  f.clock.set(new Date());
  api.deps.payments = await paymentsDeps(f.deps, mock.url);
});

async function sessionToken(accountId: string) {
  const res = await call(api, 'POST', `/v1/accounts/${accountId}/session-tokens`, {
    key: await api.key(['service']),
    body: {},
    idempotencyKey: null,
  });
  return res.body!.token as string;
}

/** The host page with the README's embed, in a fresh browser context. */
async function hostPage(token: string, accountId?: string): Promise<{ page: Page; errors: string[] }> {
  const context = await b.browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(shop.url(token, accountId));
  return { page, errors };
}

describe('the customer wallet in a plain host page (real Chromium, real API, stripe-mock)', () => {
  it('shows the balance with the expiring credits apart, follows a deduct within 2 s, and shows a bundle bought through Stripe as a new grant', async () => {
    const id = await newAccount(f.deps);
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '1000', source: 'purchase', costBasis: { amount: '50.00', currency: 'USD' } },
      actor,
    );
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '500', source: 'promo', expiresAt: new Date('2027-01-31T12:00:00Z') },
      actor,
    );
    // A usage event sent 30 days after it happened (the window is 7): never billed, and the usage view says so.
    const late = await call(api, 'POST', '/v1/events', {
      key: await api.key(['service']),
      body: { events: [{ id: 'late-1', accountId: id, feature: 'chat', timestamp: new Date(Date.now() - 30 * 86_400_000).toISOString() }] },
    });
    expect(late.body!.results[0]).toMatchObject({ status: 'rejected', reason: 'late_event' });
    const { page, errors } = await hostPage(await sessionToken(id));
    const amount = page.locator('[part="amount"][data-credit-type="ai"]');
    await waitForText(amount, '1,500');
    await waitForText(page.locator('[part="not-billed"]'), 'Not billed: 1 usage event arrived more than 7 days after it happened.');
    await waitForText(page.locator('[part="not-billed"]'), '(event late-1): late event');
    await waitForText(page.locator('[part="expiring"]'), '500 expire on Jan 31, 2027 · 1,000 never expire');

    // Freshness: each deduct, made through the API by the product's back end, appears without a reload.
    const service = await api.key(['service']);
    const latencies: number[] = [];
    let available = 1500;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 137 * i)); // not in step with the 1 s poll
      const started = Date.now();
      const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, {
        key: service,
        body: { creditType: 'ai', amount: '10', feature: 'chat' },
      });
      expect(res.status, res.text).toBe(200);
      available -= 10;
      await waitForText(amount, available.toLocaleString('en-US'), 2000);
      latencies.push(Date.now() - started);
    }
    console.info(
      `wallet freshness after a deduct (ms): ${latencies.join(', ')}; p50 ${percentile(latencies, 50)}, max ${Math.max(...latencies)}`,
    );
    expect(Math.max(...latencies)).toBeLessThan(2000);
    await waitForText(page.locator('burndown-history [data-entry-type="burn"]'), 'chat');

    // Buy: the purchase API creates the PaymentIntent on stripe-mock; the page is told to confirm it; Stripe's webhook grants.
    await page.locator('[data-bundle-id="ai-1000"] button').click();
    await waitForText(page.locator('[part="purchase-status"]'), 'Waiting for the payment');
    const required = await page.waitForFunction('window.paymentRequired');
    const { purchaseId, clientSecret } = (await required.jsonValue()) as { purchaseId: string; clientSecret: string };
    expect(clientSecret).toMatch(/secret/);
    const purchase = (await call(api, 'GET', `/v1/purchases/${purchaseId}`)).body!;
    expect(purchase).toMatchObject({ status: 'pending', accountId: id, bundleId: 'ai-1000' });
    const { payload, header } = signedEvent({
      id: `evt_wallet_${process.pid}`,
      type: 'payment_intent.succeeded',
      object: {
        id: purchase.paymentIntentId,
        object: 'payment_intent',
        amount: 5000,
        amount_received: 5000,
        currency: 'usd',
        status: 'succeeded',
        metadata: { purchase_id: purchaseId },
      },
    });
    const webhook = await fetch(`${api.baseUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    expect(webhook.status).toBe(200);
    await waitForText(page.locator('.new-grant'), 'Added 1,000 ai credits');
    await waitForText(amount, (available + 1000).toLocaleString('en-US'), 3000);
    const grantId = await page.locator('.new-grant').getAttribute('data-grant-id');
    await waitForText(page.locator(`burndown-grants [data-grant-id="${grantId}"]`), 'Purchase');

    // Statements: the session token cannot ride a plain link, so the wallet fetches the file and hands it to the browser.
    const month = new Date().toISOString().slice(0, 7);
    await waitForText(page.locator(`[part="statements"] li[data-month="${month}"]`), `${month} (so far)`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download the ${month} statement as PDF` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`statement-${id}-${month}.pdf`);
    expect((await readFile(await download.path())).subarray(0, 5).toString()).toBe('%PDF-');

    await expectAccessible(page, 'wallet');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('an expired session shows a clear message and no data', async () => {
    const id = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '3131.31', source: 'purchase' }, actor);
    const expired = await issueSessionToken(f.deps.db, {
      accountId: id,
      scopes: ['wallet'],
      ttlSeconds: 900,
      issuedByKeyId: 'test',
      mode: 'live',
      now: new Date(Date.now() - 7_200_000),
    });
    const { page } = await hostPage(expired.token);
    await waitForText(page.locator('[part="message"]'), 'Your session has ended. Reload the page to continue.');
    expect(await deepText(page)).not.toMatch(/3,131/);
    await expectAccessible(page, 'wallet, expired session');
    await page.context().close();
  });

  it('a session token of another account shows a clear message, never that account’s data', async () => {
    const asked = await newAccount(f.deps);
    const other = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: asked, creditType: 'ai', amount: '1111.11', source: 'purchase' }, actor);
    await issueGrant(f.deps, { accountId: other, creditType: 'ai', amount: '4242.42', source: 'purchase' }, actor);
    const { page } = await hostPage(await sessionToken(other), asked);
    await waitForText(page.locator('[part="message"]'), `This session does not give access to account ${asked}`);
    const text = await deepText(page);
    expect(text).not.toMatch(/4,242|1,111/);
    await page.context().close();
  });
});
