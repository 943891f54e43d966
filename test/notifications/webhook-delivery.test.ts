import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import { createBalanceAlertObserver } from '../../src/notifications/balance-alerts.js';
import type { EventEnvelope } from '../../src/notifications/catalog.js';
import { verifyWebhook } from '../../src/notifications/verify.js';
import { inTransaction } from '../../src/db/transaction.js';
import { writeOutboxEvent } from '../../src/outbox/outbox.js';
import { webhookDeliveryWorkflowId, WORKFLOW_TYPES } from '../../src/contracts/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { testNotificationDeps } from '../helpers/notifications.js';

const f = useLedgerFixture();
// The receiver listens on 127.0.0.1: let it through, as WEBHOOK_ALLOW_PRIVATE_HOSTS does in development.
const api = useApi(f, { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
const BREAKER_FAILURES = 3;
const BREAKER_COOLDOWN_MS = 1000;
const MAX_AGE_MS = 3000;
const t = useTemporalWorker(() => ({ ledger: f.deps, notifications: notificationDeps() }));
const receiver = new WebhookReceiver();

// Short, explicit retry schedule: the same code path as the 3-day default.
const notificationDeps = () =>
  testNotificationDeps(f.deps.db, t, {
    delivery: {
      timeoutMs: 2000,
      breakerFailures: BREAKER_FAILURES,
      breakerCooldownMs: BREAKER_COOLDOWN_MS,
      target: { httpsOnly: false, allowPrivateHosts: ['127.0.0.1'] },
    },
    retry: { initialMs: 100, maxIntervalMs: 400, maxAgeMs: MAX_AGE_MS },
  });

beforeAll(() => receiver.start());
afterAll(() => receiver.stop());

const alerting = (): LedgerDeps => ({ ...f.deps, observers: [createBalanceAlertObserver({ lowThreshold: 0, rearmPercent: 20 })] });

async function relay(name: string) {
  const handle = await t.client.workflow.start(WORKFLOW_TYPES.outboxRelay, {
    taskQueue: t.taskQueue,
    workflowId: `relay-${name}-${Date.now()}`,
    args: [],
  });
  return { handle, result: (await handle.result()) as { dispatched: number; deliveriesStarted: number } };
}

async function deliveriesOf(endpointId: string) {
  return f.deps.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('event_seq').execute();
}

async function createEndpoint(path: string, accountId: string, eventTypes: string[]) {
  const res = await call(api, 'POST', '/v1/webhook-endpoints', { body: { url: `${receiver.url}${path}`, accountId, eventTypes } });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
}

describe('webhook delivery in Temporal (real Temporal, real PostgreSQL, local receiver)', () => {
  it('delivers a balance.depleted caused by a burn, signed so that the shipped helper verifies it', async () => {
    const acct = await newAccount(f.deps);
    const endpoint = await createEndpoint(`/ok-${acct}`, acct, ['balance.depleted']);
    await issueGrant(alerting(), { accountId: acct, creditType: 'ai', amount: '5', source: 'purchase' }, actor);
    await deduct(alerting(), { accountId: acct, creditType: 'ai', amount: '5' }, actor);

    const { handle: relayHandle, result } = await relay('ok');
    expect(result.deliveriesStarted).toBeGreaterThanOrEqual(1);
    const [delivery] = await deliveriesOf(endpoint.id);
    const deliveryHandle = t.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery!.id, 0));
    expect(await deliveryHandle.result()).toBe('delivered');
    await recordHistory(relayHandle, 'outbox-relay');
    await recordHistory(deliveryHandle, 'webhook-delivery');

    const [request] = receiver.to(`/ok-${acct}`);
    const event = verifyWebhook<EventEnvelope>({ body: request!.body, headers: request!.headers, secrets: endpoint.secret });
    expect(event).toMatchObject({
      type: 'balance.depleted',
      accountId: acct,
      schemaVersion: 1,
      data: { creditType: 'ai', available: '0.00' },
    });
    expect(event.sequence).toBe(delivery!.event_seq.toString());
    expect((await deliveriesOf(endpoint.id))[0]).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
  });

  it('a dead endpoint goes through retries to the dead-letter list, and a replay delivers it', async () => {
    const acct = await newAccount(f.deps);
    const path = `/dead-${acct}`;
    receiver.respond(path, 500);
    const endpoint = await createEndpoint(path, acct, ['purchase.succeeded']);
    await inTransaction(f.deps.db, (tx) =>
      writeOutboxEvent(tx, {
        id: `purchase-${acct}`,
        accountId: acct,
        type: 'purchase.succeeded',
        payload: { accountId: acct, creditType: 'ai', credits: '10.00' },
        occurredAt: new Date(),
      }),
    );
    await relay('dead');
    const [delivery] = await deliveriesOf(endpoint.id);
    const handle = t.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery!.id, 0));
    expect(await handle.result()).toBe('dead_lettered');
    await recordHistory(handle, 'webhook-delivery-dead-lettered');
    const attempts = receiver.to(path).length;
    expect(attempts).toBeGreaterThanOrEqual(BREAKER_FAILURES);
    // Every attempt carried the same event id: receivers deduplicate on it.
    expect(new Set(receiver.to(path).map((r) => r.headers['webhook-id']))).toEqual(new Set([`purchase-${acct}`]));

    const dead = await call(api, 'GET', '/v1/webhook-deliveries?status=failed');
    expect(dead.status).toBe(200);
    expect(dead.body!.data).toContainEqual(expect.objectContaining({ id: delivery!.id, status: 'failed', attempts, lastStatusCode: 500 }));

    receiver.respond(path, 204);
    const replay = await call(api, 'POST', `/v1/webhook-deliveries/${delivery!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ status: 'pending', replays: 1 });
    expect((await call(api, 'POST', `/v1/webhook-deliveries/${delivery!.id}/replay`)).status).toBe(409);
    await relay('replay');
    // The breaker opened while the endpoint was dead: the replay waits for its probe, then delivers.
    expect(await t.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery!.id, 1)).result()).toBe('delivered');
    expect((await deliveriesOf(endpoint.id))[0]).toMatchObject({ status: 'succeeded', last_status_code: 204 });
    expect((await call(api, 'GET', '/v1/webhook-deliveries?status=failed')).body!.data.map((d: { id: string }) => d.id)).not.toContain(
      delivery!.id,
    );
  });

  it('one dead endpoint does not hold up another: its breaker opens and stops calling it', async () => {
    const acct = await newAccount(f.deps);
    const deadPath = `/down-${acct}`;
    receiver.respond(deadPath, 503);
    const dead = await createEndpoint(deadPath, acct, ['grant.expired']);
    const healthy = await createEndpoint(`/up-${acct}`, acct, ['grant.expired']);
    const events = 6;
    for (let i = 0; i < events; i++) {
      await inTransaction(f.deps.db, (tx) =>
        writeOutboxEvent(tx, {
          id: `exp-${acct}-${i}`,
          accountId: acct,
          type: 'grant.expired',
          payload: { accountId: acct, creditType: 'ai', grantId: `g${i}`, expired: '1.00' },
          occurredAt: new Date(),
        }),
      );
    }
    await relay('breaker');
    const healthyResults = await Promise.all(
      (await deliveriesOf(healthy.id)).map((d) => t.client.workflow.getHandle(webhookDeliveryWorkflowId(d.id, 0)).result()),
    );
    expect(healthyResults).toEqual(Array(events).fill('delivered'));
    const deadResults = await Promise.all(
      (await deliveriesOf(dead.id)).map((d) => t.client.workflow.getHandle(webhookDeliveryWorkflowId(d.id, 0)).result()),
    );
    expect(deadResults).toEqual(Array(events).fill('dead_lettered'));

    // Without a breaker each dead delivery would be attempted every backoff
    // interval until MAX_AGE_MS (≥ 6 attempts each); with it, after the first
    // round only one probe per cooldown reaches the endpoint.
    const deadHits = receiver.to(deadPath).length;
    expect(deadHits).toBeLessThanOrEqual(events + Math.ceil(MAX_AGE_MS / BREAKER_COOLDOWN_MS) + 1);
    const health = await f.deps.db
      .selectFrom('webhook_endpoint_health')
      .selectAll()
      .where('endpoint_id', '=', dead.id)
      .executeTakeFirstOrThrow();
    expect(health.consecutive_failures).toBeGreaterThanOrEqual(BREAKER_FAILURES);
    const ordered = receiver.to(`/up-${acct}`).map((r) => Number(JSON.parse(r.body).sequence));
    expect([...ordered].sort((a, b) => a - b)).toEqual((await deliveriesOf(healthy.id)).map((d) => Number(d.event_seq)));
  });

  it('manages endpoints: list, get, rotate the secret (both sign), delete', async () => {
    const acct = await newAccount(f.deps);
    const endpoint = await createEndpoint(`/rot-${acct}`, acct, ['balance.low']);
    const customer = await api.key(['customer'], acct);
    const otherCustomer = await api.key(['customer'], await newAccount(f.deps));
    expect((await call(api, 'GET', '/v1/webhook-endpoints', { key: customer })).body!.data.map((e: { id: string }) => e.id)).toEqual([
      endpoint.id,
    ]);
    expect((await call(api, 'GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: otherCustomer })).status).toBe(404);
    expect((await call(api, 'POST', '/v1/webhook-endpoints', { body: { url: 'http://x', eventTypes: ['nope'] } })).status).toBe(400);

    f.clock.set(new Date()); // the API's clock dates the rotation grace; deliveries run on the wall clock
    const rotated = await call(api, 'POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { key: customer });
    expect(rotated.status).toBe(200);
    expect(rotated.body!.secret).not.toBe(endpoint.secret);
    expect(rotated.body!.previousSecretExpiresAt).not.toBeNull();

    await inTransaction(f.deps.db, (tx) =>
      writeOutboxEvent(tx, {
        id: `low-${acct}`,
        accountId: acct,
        type: 'balance.low',
        payload: { accountId: acct },
        occurredAt: new Date(),
      }),
    );
    await relay('rotate');
    const [delivery] = await deliveriesOf(endpoint.id);
    expect(await t.client.workflow.getHandle(webhookDeliveryWorkflowId(delivery!.id, 0)).result()).toBe('delivered');
    const [request] = receiver.to(`/rot-${acct}`);
    const headers = request!.headers as Record<string, string>;
    expect(verifyWebhook({ body: request!.body, headers, secrets: endpoint.secret })).toMatchObject({ id: `low-${acct}` });
    expect(verifyWebhook({ body: request!.body, headers, secrets: rotated.body!.secret as string })).toMatchObject({ id: `low-${acct}` });

    expect((await call(api, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`, { key: customer })).status).toBe(204);
    expect((await call(api, 'GET', `/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it('documents every event type and its versioned envelope in the OpenAPI document', async () => {
    const types = await call(api, 'GET', '/v1/event-types');
    expect(types.body!.data.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'balance.low',
        'balance.depleted',
        'grant.expiring',
        'grant.expired',
        'purchase.succeeded',
        'recharge.succeeded',
        'recharge.failed',
        'grant.pending_approval',
        'grant.approved',
        'grant.rejected',
      ]),
    );
    const doc = (await fetch(`${api.baseUrl}/v1/openapi.json`).then((r) => r.json())) as {
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['WebhookEvent', 'Event_balance_low_v1', 'Event_recharge_failed_v1']),
    );
  });
});
