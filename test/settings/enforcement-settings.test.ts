import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { changeEnforcement } from '../../src/settings/enforcement.js';
import { openLiveEnforcement } from '../../src/settings/live-enforcement.js';
import { call, type ApiFixture } from '../helpers/api.js';
import { fundedAccount, uniqueKey, useConsumptionStack } from '../consumption/fixture.js';

const s = useConsumptionStack({ liveSettings: true });
const defaults = { mode: 'enforce', rolloutPercent: 100, ledgerUnavailablePolicy: 'fail_closed' } as const;

/** A second API process over the same database: its own settings cache and listener. */
let second: ChildProcess;
let secondApi: ApiFixture;
beforeAll(async () => {
  second = spawn('npx', ['tsx', 'test/helpers/api-process.ts', s.ledger.database.url, inject('temporalAddress')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: second.stdout! }).on('line', (line) => line.startsWith('listening ') && resolve(line.slice(10)));
    second.on('exit', (code) => reject(new Error(`the second API process exited (${code})`)));
  });
  secondApi = { ...s.api, baseUrl: `http://127.0.0.1:${port}` };
}, 60_000);
afterAll(() => {
  second?.stdin?.end();
});

const patch = (body: unknown, key?: string) => call(s.api, 'PATCH', '/v1/settings/enforcement', { body, ...(key && { key }) });

/** Polls until `probe` answers `expected`, for at most `ms`; returns how long it took. */
async function within(ms: number, probe: () => Promise<unknown>, expected: unknown): Promise<number> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < ms) {
    last = await probe();
    if (JSON.stringify(last) === JSON.stringify(expected)) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`still ${JSON.stringify(last)} after ${ms} ms, expected ${JSON.stringify(expected)}`);
}

/** The mode the entitlement check of an API process applies to an account with no mode of its own. */
const entitlementMode = async (api: ApiFixture, accountId: string) =>
  (await call(api, 'GET', `/v1/accounts/${accountId}/entitlements/chat?quantity=1`)).body?.enforcementMode;

describe('runtime enforcement settings (R-O2)', () => {
  it('reads the environment’s values until something is stored', async () => {
    const res = await call(s.api, 'GET', '/v1/settings/enforcement');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...defaults,
      source: { mode: 'environment', rolloutPercent: 'environment', ledgerUnavailablePolicy: 'environment' },
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('refuses non-admins, unknown fields, bad values, an empty change and a PATCH without an Idempotency-Key', async () => {
    const support = await s.api.key(['support']);
    expect((await call(s.api, 'GET', '/v1/settings/enforcement', { key: support })).status).toBe(403);
    expect((await patch({ mode: 'off' }, support)).status).toBe(403);
    const unknown = await patch({ mode: 'shadow', killSwitch: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body!.errors).toEqual([expect.objectContaining({ path: 'killSwitch', code: 'unknown_field' })]);
    expect((await patch({ mode: 'audit' })).status).toBe(400);
    expect((await patch({ rolloutPercent: 101 })).status).toBe(400);
    expect((await patch({ rolloutPercent: 12.5 })).status).toBe(400);
    expect((await patch({})).status).toBe(400);
    const noKey = await call(s.api, 'PATCH', '/v1/settings/enforcement', { body: { mode: 'shadow' }, idempotencyKey: null });
    expect(noKey.status).toBe(400);
    expect((await call(s.api, 'GET', '/v1/settings/enforcement')).body!.mode).toBe('enforce');
  });

  it('a change is stored, audited from → to, replayed for its Idempotency-Key, and null restores the environment’s value', async () => {
    const idempotencyKey = uniqueKey('settings');
    const changed = await call(s.api, 'PATCH', '/v1/settings/enforcement', { body: { rolloutPercent: 40 }, idempotencyKey });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      ...defaults,
      rolloutPercent: 40,
      source: { mode: 'environment', rolloutPercent: 'database' },
      updatedBy: 'test-admin',
      changes: [{ field: 'rolloutPercent', from: 100, to: 40 }],
    });
    const replay = await call(s.api, 'PATCH', '/v1/settings/enforcement', { body: { rolloutPercent: 40 }, idempotencyKey });
    expect(replay.text).toBe(changed.text);
    const audit = await s.ledger.deps.db
      .selectFrom('audit_log')
      .select(['actor', 'target_type', 'target_id', 'after'])
      .where('action', '=', 'settings.enforcement.change')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'test-admin', target_type: 'settings', target_id: 'enforcement' });
    expect((audit[0]!.after as { changes: unknown }).changes).toEqual([{ field: 'rolloutPercent', from: 100, to: 40 }]);

    const reset = await patch({ rolloutPercent: null });
    expect(reset.body).toMatchObject({ rolloutPercent: 100, source: { rolloutPercent: 'environment' }, changes: [{ from: 40, to: 100 }] });
  });

  it('is in force in a second API process and in the worker within 5 s, and the kill switch beats the account’s own mode', async () => {
    const plain = await fundedAccount(s.ledger.deps, '100');
    const own = await fundedAccount(s.ledger.deps, '100', { enforcementMode: 'enforce' });
    expect(await entitlementMode(secondApi, plain)).toBe('enforce');

    expect((await patch({ mode: 'shadow' })).status).toBe(200);
    // The process that took the PATCH at once; the other within 5 s, through LISTEN/NOTIFY.
    expect(await entitlementMode(s.api, plain)).toBe('shadow');
    await within(5000, () => entitlementMode(secondApi, plain), 'shadow');
    expect(await entitlementMode(secondApi, own)).toBe('enforce');
    // The worker: the consumption saga's reserve step (an activity) decides the mode.
    const reserveMode = async (accountId: string) => {
      const started = await call(s.api, 'POST', '/v1/consumptions', {
        body: { accountId, feature: 'chat', quantity: '1', idempotencyKey: uniqueKey() },
      });
      const id = started.body!.consumptionId as string;
      expect((await call(s.api, 'POST', `/v1/consumptions/${id}/complete`, { body: { actualQuantity: '1' } })).status).toBe(200);
      return started.body!.enforcementMode as string;
    };
    await within(5000, () => reserveMode(plain), 'shadow');

    expect((await patch({ mode: 'off' })).status).toBe(200);
    await within(5000, () => entitlementMode(secondApi, own), 'off');
    await within(5000, () => reserveMode(own), 'off');

    expect((await patch({ mode: null })).status).toBe(200);
    await within(5000, () => entitlementMode(secondApi, plain), 'enforce');
    await within(5000, () => reserveMode(plain), 'enforce');
  });

  it('without its listener a process re-reads the settings every 2 s', async () => {
    const db = s.ledger.deps.db;
    const change = (mode: 'shadow' | null) => changeEnforcement(db, defaults, { mode }, 'test', new Date());
    const polling = await openLiveEnforcement(db, { defaults }); // no LISTEN at all: the periodic re-read only
    const listening = await openLiveEnforcement(db, { defaults, listenUrl: s.ledger.database.url });
    try {
      await change('shadow');
      expect(polling.current().mode).toBe('enforce');
      await within(5000, () => Promise.resolve(polling.current().mode), 'shadow');
      await change(null);
      await within(5000, () => Promise.resolve(polling.current().mode), 'enforce');

      // Every process's listener killed (as PostgreSQL backends being killed would): a change still arrives in time.
      const account = await fundedAccount(s.ledger.deps, '1');
      const { rows } = await sql<{ stopped: boolean }>`
        select pg_terminate_backend(pid) as stopped from pg_stat_activity
        where application_name = 'burndown-settings-listener' and datname = current_database()`.execute(db);
      expect(rows.length).toBeGreaterThanOrEqual(1);
      await change('shadow');
      await within(5000, () => Promise.resolve(listening.current().mode), 'shadow');
      await within(5000, () => entitlementMode(secondApi, account), 'shadow');
      await change(null);
      await within(5000, () => entitlementMode(secondApi, account), 'enforce');
    } finally {
      await polling.close();
      await listening.close();
    }
  });
});
