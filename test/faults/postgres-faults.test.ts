import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { checkLedgerInvariants, createAccount, createCreditType, issueGrant } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { startEmbeddedPostgres } from '../../src/stack/embedded-postgres.js';
import { enforcementDefaults } from '../../src/settings/enforcement.js';
import { openLiveEnforcement } from '../../src/settings/live-enforcement.js';
import { call, useApi, type ApiFixture } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';

const f = useLedgerFixture();
const api = useApi(f, { IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS: '2' });

/** A client that retries one logical request with the same Idempotency-Key until it gets a final answer. */
async function untilFinal(fixture: ApiFixture, path: string, key: string, body: unknown, maxAttempts = 400) {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const res = await call(fixture, 'POST', path, { idempotencyKey: key, body });
      if (res.status < 500 && res.status !== 409) return res;
    } catch {
      // Connection reset while the server's database connection died: retry.
    }
    await new Promise((r) => setTimeout(r, 25 + Math.min(attempt, 20) * 5));
  }
  throw new Error(`${key}: no final answer after ${maxAttempts} attempts`);
}

describe('PostgreSQL backends killed under load', () => {
  // However the test ends (a timeout too), the killer stops before the fixture's invariant check (an inner afterEach
  // runs first): left running, it would kill that check and hide why the test failed behind "terminating connection".
  let stopKiller = async () => {};
  afterEach(() => stopKiller());

  it('retries with the same keys leave no duplicate, and every 2xx has its ledger entries', async () => {
    const accounts = await Promise.all(Array.from({ length: 4 }, () => newAccount(f.deps)));
    for (const id of accounts) await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '1000', source: 'purchase' }, actor);

    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    let killing = true;
    let killed = 0;
    const killer = (async () => {
      while (killing) {
        const result = await admin.query(
          'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [f.database.name],
        );
        killed += result.rows.filter((r: { ok: boolean }) => r.ok).length;
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    stopKiller = async () => {
      if (!killing) return;
      killing = false;
      await killer;
      await admin.end();
    };

    const requests = Array.from({ length: 60 }, (_, i) => ({
      account: accounts[i % accounts.length]!,
      key: `kill-${i}`,
      amount: `${(i % 7) + 1}.25`,
    }));
    const results = await Promise.all(
      requests.map((r) => untilFinal(api, `/v1/accounts/${r.account}/deduct`, r.key, { creditType: 'ai', amount: r.amount })),
    );
    await stopKiller();

    expect(killed, 'the fault was injected').toBeGreaterThan(0);
    expect(results.map((r) => r.status)).toEqual(requests.map(() => 200));
    // Exactly one ledger transaction per logical request, with the amount asked for.
    for (const [i, res] of results.entries()) {
      const entries = await f.deps.db
        .selectFrom('ledger_entries')
        .select(['amount', 'transaction_id'])
        .where('transaction_id', '=', res.body?.transactionId as string)
        .where('entry_type', '=', 'burn')
        .execute();
      expect(
        entries.reduce((sum, e) => sum + e.amount, 0n),
        requests[i]!.key,
      ).toBe(BigInt(requests[i]!.amount.replace('.', '')));
    }
    const burns = await f.deps.db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('account_id', 'in', accounts)
      .where('kind', '=', 'deduct')
      .execute();
    expect(burns).toHaveLength(requests.length);
  });
});

describe('PostgreSQL stopped in immediate mode and restarted', () => {
  const dataDir = resolve('.data', `faults-pg-${process.pid}`);
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('the service answers 503/500 while it is down and recovers without a restart; the invariants hold', async () => {
    const logger = createLogger('silent', 'faults');
    const port = await freeLoopbackPort();
    let server = await startEmbeddedPostgres({ dataDir, port, database: 'burndown', logger });
    const db = createDatabase({ connectionString: server.url, poolSize: 10, applicationName: 'faults' });
    try {
      await migrateToLatest(db);
      const deps = { ...f.deps, db, clock: () => new Date() };
      await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
      await createAccount(db, { id: 'restart', name: 'restart' });
      await issueGrant(deps, { accountId: 'restart', creditType: 'ai', amount: '100', source: 'purchase' }, actor);
      const key = (await createApiKey(db, { name: 'faults', subject: 'faults', scopes: ['admin'] })).token;
      // The API under test, pointed at this server through the same fixture.
      const local = { ...api, adminKey: key };
      const original = {
        db: api.deps.db,
        ledger: api.deps.ledger,
        clock: api.deps.clock,
        verify: api.deps.verifyApiKey,
        enforcement: api.deps.enforcement,
      };
      Object.assign(api.deps, { db, ledger: deps, clock: deps.clock });
      const { createApiKeyVerifier } = await import('../../src/auth/api-keys.js');
      api.deps.verifyApiKey = createApiKeyVerifier(db);
      // The enforcement settings and accounts' own modes are read from this server too (no listener: re-read every 2 s).
      api.deps.enforcement = await openLiveEnforcement(db, { defaults: enforcementDefaults(api.deps.config) });
      try {
        expect((await call(local, 'POST', '/v1/accounts/restart/deduct', { body: { creditType: 'ai', amount: '1' } })).status).toBe(200);

        // Immediate shutdown: SIGQUIT to the postmaster, no checkpoint, as a crash would.
        const postmaster = Number((await readFile(resolve(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
        process.kill(postmaster, 'SIGQUIT');
        for (let i = 0; i < 100 && isAlive(postmaster); i++) await new Promise((r) => setTimeout(r, 100));

        const ready = await call(local, 'GET', '/readyz', { key: '' });
        expect(ready.status).toBe(503);
        expect(ready.body?.detail).toContain('postgres');
        const down = await call(local, 'POST', '/v1/accounts/restart/deduct', {
          idempotencyKey: 'during-outage',
          body: { creditType: 'ai', amount: '1' },
        });
        expect(down.status).toBeGreaterThanOrEqual(500);

        server = await startEmbeddedPostgres({ dataDir, port, database: 'burndown', logger });
        let recovered = await call(local, 'GET', '/readyz', { key: '' });
        for (let i = 0; i < 50 && recovered.status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 200));
          recovered = await call(local, 'GET', '/readyz', { key: '' });
        }
        expect(recovered.status).toBe(200);
        // The same key retried after the outage runs once.
        const retried = await untilFinal(local, '/v1/accounts/restart/deduct', 'during-outage', { creditType: 'ai', amount: '1' });
        expect(retried.status).toBe(200);
        const balance = await call(local, 'GET', '/v1/accounts/restart/balance');
        expect(balance.body?.balances[0].available).toBe('98.00');
        expect(await checkLedgerInvariants(db)).toEqual([]);
      } finally {
        Object.assign(api.deps, { db: original.db, ledger: original.ledger, clock: original.clock });
        api.deps.verifyApiKey = original.verify;
        await api.deps.enforcement.close();
        api.deps.enforcement = original.enforcement;
      }
    } finally {
      await db.destroy();
      await server.stop();
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
