import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { createAccount } from '../../src/ledger/index.js';
import { stripeGateways } from '../../src/payments/module.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { useStripeMock } from '../helpers/stripe-mock.js';
import { paymentsDeps } from './fixture.js';

const f = useLedgerFixture();
const mock = useStripeMock();
const api = useApi(f);

/** Stands in for api.stripe.com with a live key: records every request and refuses it. */
const liveStripe = { url: '', requests: [] as { path: string; headers: IncomingHttpHeaders }[] };
let server: Server;
const LIVE_KEY = 'sk_live_burndown_test_never_sent_to_stripe';

beforeAll(async () => {
  server = createServer((req, res) => {
    liveStripe.requests.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'live Stripe refused in tests' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  liveStripe.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // The wiring of the payments module, with a live key configured and the simulated Stripe for test mode.
  const config = loadConfig({ STRIPE_SECRET_KEY: LIVE_KEY, STRIPE_API_BASE: liveStripe.url, STRIPE_TEST_API_BASE: mock.url });
  const { gateway, testGateway } = stripeGateways(config);
  api.deps.payments = { ...(await paymentsDeps(f.deps, mock.url)), gateway, testGateway };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe('test mode: purchases go to the simulated Stripe', () => {
  it('a test-mode purchase reaches stripe-mock even with a live Stripe key configured; a live one reaches the live Stripe', async () => {
    const id = `tmpay_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createAccount(f.deps.db, { id, name: 'Test-mode buyer', mode: 'test' });
    const key = (await createApiKey(f.deps.db, { name: 't', subject: 'svc:t', scopes: ['service'], mode: 'test' })).token;

    const bought = await call(api, 'POST', `/v1/accounts/${id}/purchases`, { key, body: { bundleId: 'ai-1000' } });
    expect(bought.status, bought.text).toBe(201);
    expect(bought.body!.paymentIntentId).toMatch(/^pi_/); // stripe-mock's answer
    const card = await call(api, 'POST', `/v1/accounts/${id}/setup-intents`, { key });
    expect(card.status, card.text).toBeLessThan(300);
    expect(liveStripe.requests).toEqual([]);

    const live = await newAccount(f.deps);
    const liveBuy = await call(api, 'POST', `/v1/accounts/${live}/purchases`, { body: { bundleId: 'ai-1000' } });
    expect(liveBuy.status).toBeGreaterThanOrEqual(400);
    expect(liveStripe.requests.length).toBeGreaterThan(0);
    expect(liveStripe.requests[0]!.headers.authorization).toBe(`Bearer ${LIVE_KEY}`);
  });
});
