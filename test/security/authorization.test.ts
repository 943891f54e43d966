import { beforeAll, describe, expect, it } from 'vitest';
import { scopes } from '../../src/auth/api-keys.js';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

interface Operation {
  security?: unknown[];
  'x-burndown-access'?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: { format?: string; enum?: string[] } }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
}

/** Fields that name an account, in any example body: pointed at the victim. */
const ACCOUNT_FIELDS = new Set(['accountId', 'parentId', 'customerId']);
function aimAt(value: unknown, victim: string): unknown {
  if (Array.isArray(value)) return value.map((v) => aimAt(v, victim));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ACCOUNT_FIELDS.has(k) ? victim : aimAt(v, victim)]));
  }
  return value;
}

/** An id of the right shape for a resource the victim does not have: the answer is 404 all the same. */
function madeUpId(resource: string): string {
  const hex = '0123456789abcdef';
  const shapes: Record<string, string> = {
    consumptions: `cons_${hex}${hex}`,
    'webhook-deliveries': `whd_${hex}${hex}`,
    'api-keys': `key_${hex}`,
    'usage-events': 'evt-made-up',
  };
  return shapes[resource] ?? `${resource.replace(/s$/, '')}_${hex}`;
}

let victim: string;
let attacker: string;
let attackerKey: string;
/** Real resources of the victim, by the path segment that names them. */
const victimResources: Record<string, string> = {};

beforeAll(async () => {
  victim = await newAccount(f.deps);
  attacker = await newAccount(f.deps);
  // Every scope there is, bound to the attacker's account: scopes never mask what authorization must refuse.
  attackerKey = await api.key([...scopes], attacker, 'mallory@example.com');
  const grant = await call(api, 'POST', `/v1/accounts/${victim}/grants`, { body: { creditType: 'ai', amount: '100', source: 'promo' } });
  expect(grant.status).toBe(201);
  victimResources.grants = grant.body!.id;
  const hold = await call(api, 'POST', `/v1/accounts/${victim}/holds`, { body: { creditType: 'ai', amount: '1', feature: 'chat' } });
  expect(hold.status).toBe(201);
  victimResources.holds = hold.body!.id;
  const deduct = await call(api, 'POST', `/v1/accounts/${victim}/deduct`, { body: { creditType: 'ai', amount: '1', feature: 'chat' } });
  expect(deduct.status).toBe(200);
  victimResources.transactions = deduct.body!.transactionId;
  const endpoint = await call(api, 'POST', '/v1/webhook-endpoints', {
    body: { url: 'https://hooks.victim.example/burndown', eventTypes: ['*'], accountId: victim },
  });
  expect(endpoint.status).toBe(201);
  victimResources['webhook-endpoints'] = endpoint.body!.id;
});

describe('finding 3: authorization is enforced by defineRoute on every route of the OpenAPI document', () => {
  it('an account-bound key of another account gets 403 on global routes and a 404 naming the requested id everywhere else', async () => {
    const document = (await call(api, 'GET', '/v1/openapi.json')).body!;
    const checked: string[] = [];
    const failures: string[] = [];
    for (const [template, methods] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!op.security?.length) continue; // health and inbound webhooks: no API key at all
        const access = op['x-burndown-access'];
        expect(access, `${method} ${template} declares its access`).toBeDefined();
        if (access === 'any-key') continue; // shows no account's data (catalog, event types)
        // What the 404 must name: the account when the path or a filter names one, else the requested resource.
        let named: string | undefined;
        const path = template.replace(/\{(\w+)\}/g, (_m, param: string, offset: number) => {
          if (template.slice(0, offset).endsWith('/accounts/')) return (named = victim);
          if (param === 'period') return '2026-01';
          const resource = template.slice(0, offset).split('/').at(-2)!;
          const id = victimResources[resource] ?? madeUpId(resource);
          named ??= id;
          return id;
        });
        const filters = op.parameters?.some((p) => p.in === 'query' && p.name === 'accountId');
        // Required query parameters get a valid value, so that a 400 cannot stand in for the refusal.
        const required = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required);
        const pairs = required.map((p): [string, string] => [
          p.name,
          p.schema?.format === 'date-time' ? '2026-01-01T00:00:00Z' : (p.schema?.enum?.[0] ?? 'x'),
        ]);
        if (filters) pairs.push(['accountId', victim]);
        const query = pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '';
        if (filters) named = victim;
        named ??= victim;
        const example = op.requestBody?.content['application/json']?.example;
        const body = example === undefined ? undefined : aimAt(example, victim);
        const response = await call(api, method.toUpperCase(), `${path}${query}`, { key: attackerKey, body });
        const where = `${method.toUpperCase()} ${path}${query} (${access})`;
        checked.push(where);
        if (access === 'global') {
          if (response.status !== 403) failures.push(`${where}: ${response.status} instead of 403`);
        } else if (access === 'items') {
          // A batch answers per item: the victim's items are refused, none accepted.
          if (response.status >= 200 && response.status < 300 && response.body!.accepted !== 0)
            failures.push(`${where}: accepted ${response.body!.accepted}`);
        } else if (response.status !== 404) {
          failures.push(`${where}: ${response.status} instead of 404 (${response.text.slice(0, 200)})`);
        } else if (!response.body!.detail.includes(named) || (named !== victim && response.text.includes(victim))) {
          failures.push(`${where}: the 404 should name ${named} and never the owning account: ${response.body!.detail}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // The walk covers the whole surface (every route area), so a new route cannot skip it.
    expect(checked.length).toBeGreaterThan(55);
  });

  it('PATCH /v1/accounts/{id} refuses a parentId of another account (no burning of its grants)', async () => {
    const key = await api.key(['support'], attacker);
    const response = await call(api, 'PATCH', `/v1/accounts/${attacker}`, {
      key,
      body: { parentId: victim },
      idempotencyKey: 'patch-parent-1',
    });
    expect(response.status).toBe(404);
    expect(response.body!.detail).toContain(victim);
    const own = await call(api, 'GET', `/v1/accounts/${attacker}`, { key });
    expect(own.body!.parentId ?? null).toBeNull();
  });

  it('the same walk with the victim’s own key is not refused (the check is not a blanket 404)', async () => {
    const key = await api.key(['admin'], victim);
    const own = await call(api, 'GET', `/v1/grants/${victimResources.grants}`, { key });
    expect(own.status).toBe(200);
    const balance = await call(api, 'GET', `/v1/accounts/${victim}/balance`, { key });
    expect(balance.status).toBe(200);
  });
});

describe('finding 4: webhook deliveries belong to the endpoint’s owner, not the event’s account', () => {
  it('a customer does not see or replay deliveries to the operator’s global endpoint of its own events', async () => {
    const customer = await newAccount(f.deps);
    const global = await call(api, 'POST', '/v1/webhook-endpoints', { body: { url: 'https://ops.example/hooks', eventTypes: ['*'] } });
    expect(global.status).toBe(201);
    const id = `whd_${'ab'.repeat(16)}`;
    await f.deps.db
      .insertInto('outbox_events')
      .values({ id: 'evt_test', account_id: customer, type: 'balance.low', schema_version: 1, payload: '{}', occurred_at: new Date() })
      .execute();
    await f.deps.db
      .insertInto('webhook_deliveries')
      .values({ id, endpoint_id: global.body!.id, event_id: 'evt_test', event_seq: 1, account_id: customer, status: 'failed' })
      .execute();
    const key = await api.key(['customer'], customer);
    const list = await call(api, 'GET', '/v1/webhook-deliveries', { key });
    expect(list.status).toBe(200);
    expect(list.body!.data.map((d: { id: string }) => d.id)).not.toContain(id);
    const replay = await call(api, 'POST', `/v1/webhook-deliveries/${id}/replay`, { key });
    expect(replay.status).toBe(404);
    expect(replay.body!.detail).toContain(id);
    const row = await f.deps.db.selectFrom('webhook_deliveries').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
  });
});
