import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

interface Operation {
  security?: unknown[];
  'x-burndown-idempotent'?: boolean;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
}

describe('finding 11: the OpenAPI document lists what the routes answer', () => {
  it('every route documents the statuses defineRoute and the app add, every mutation takes an Idempotency-Key, every body has an example', async () => {
    const document = (await call(api, 'GET', '/v1/openapi.json')).body!;
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.security?.length) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(op.responses);
        for (const status of ['400', '401', '403', '429', '503']) if (!statuses.includes(status)) missing.push(`${where}: ${status}`);
        if (method !== 'get') {
          for (const status of ['413', '415']) if (!statuses.includes(status)) missing.push(`${where}: ${status}`);
          if (op['x-burndown-idempotent'] !== false) {
            for (const status of ['409', '422']) if (!statuses.includes(status)) missing.push(`${where}: ${status}`);
          }
          // Only a route that says why not (its replay would keep a secret in clear) may go without one.
          const idempotent = op['x-burndown-idempotent'] !== false;
          if (idempotent && !op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'))
            missing.push(`${where}: Idempotency-Key`);
        }
        if (/\{\w+\}/.test(path) && !statuses.includes('404')) missing.push(`${where}: 404`);
        // Every content type a body is taken as (JSON, or a file's: POST /v1/imports) shows an example.
        if (op.requestBody && Object.values(op.requestBody.content).some((c) => c.example === undefined)) missing.push(`${where}: example`);
      }
    }
    expect(missing).toEqual([]);
    expect(document.paths['/v1/accounts/{id}'].patch.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
    expect(document.paths['/v1/webhook-endpoints/{id}'].delete.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
  });

  it('documents the health routes, the Stripe and HubSpot webhooks and a schema for /v1/events items', async () => {
    const document = (await call(api, 'GET', '/v1/openapi.json')).body!;
    for (const path of ['/healthz', '/readyz', '/v1/webhooks/stripe', '/v1/hubspot/webhooks'])
      expect(document.paths[path], path).toBeDefined();
    const schema = document.paths['/v1/events'].post.requestBody.content['application/json'].schema;
    const resolved = schema.$ref ? document.components.schemas[schema.$ref.split('/').at(-1)] : schema;
    const items = resolved.properties.events.items;
    const item = items.$ref ? document.components.schemas[items.$ref.split('/').at(-1)] : items;
    expect(Object.keys(item.properties)).toEqual(expect.arrayContaining(['id', 'accountId', 'feature', 'timestamp']));
  });

  it('PATCH /v1/accounts/{id} and DELETE /v1/webhook-endpoints/{id} refuse a request without Idempotency-Key', async () => {
    const created = await call(api, 'POST', '/v1/accounts', { body: { id: 'idem-patch', name: 'P' } });
    expect(created.status).toBe(201);
    const patched = await call(api, 'PATCH', '/v1/accounts/idem-patch', { body: { name: 'Q' }, idempotencyKey: null });
    expect(patched.status).toBe(400);
    expect(patched.body!.detail).toMatch(/Idempotency-Key/);
    const endpoint = await call(api, 'POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example.com/x', eventTypes: ['*'] } });
    const deleted = await call(api, 'DELETE', `/v1/webhook-endpoints/${endpoint.body!.id}`, { idempotencyKey: null });
    expect(deleted.status).toBe(400);
    expect(deleted.body!.detail).toMatch(/Idempotency-Key/);
  });

  it('a secret shown once is documented as nullable, as the idempotent replay answers it (found by npm run test:fuzz)', async () => {
    const body = { url: 'https://hooks.example.com/once', eventTypes: ['*'] };
    const first = await call(api, 'POST', '/v1/webhook-endpoints', { body, idempotencyKey: 'shown-once-replay' });
    const replay = await call(api, 'POST', '/v1/webhook-endpoints', { body, idempotencyKey: 'shown-once-replay' });
    expect(first.body!.secret).toMatch(/^whsec_/);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body!.secret).toBeNull();
    const document = (await call(api, 'GET', '/v1/openapi.json')).body!;
    const resolve = (s: { $ref?: string }) => (s.$ref ? document.components.schemas[s.$ref.split('/').at(-1)!] : s);
    const allowsNull = (s: { type?: string | string[]; anyOf?: unknown[]; $ref?: string }): boolean => {
      const r = resolve(s);
      return r.type === 'null' || (Array.isArray(r.type) && r.type.includes('null')) || (r.anyOf ?? []).some(allowsNull);
    };
    for (const [path, method, status, field] of [
      ['/v1/webhook-endpoints', 'post', '201', 'secret'],
      ['/v1/webhook-endpoints/{id}/rotate-secret', 'post', '200', 'secret'],
      ['/v1/api-keys', 'post', '201', 'token'],
    ] as const) {
      const schema = resolve(document.paths[path][method].responses[status].content['application/json'].schema);
      expect(allowsNull(schema.properties[field]), `${method} ${path} ${field}`).toBe(true);
    }
  });
});
