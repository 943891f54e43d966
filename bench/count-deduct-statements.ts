/**
 * npx tsx bench/count-deduct-statements.ts — the SQL statements of one
 * POST /v1/accounts/{id}/deduct through the real Express app, with the API key
 * already verified and cached (the steady state), by logging every query
 * kysely sends. docs/TEST-MODE.md: the test-mode check adds a query to the
 * first request of an account only (its mode is cached: it never changes).
 */
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { Kysely, PostgresDialect } from 'kysely';
import { createApp } from '../src/api/app.js';
import type { ApiDeps } from '../src/api/deps.js';
import type { Principal } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/config.js';
import { createPool } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { DB } from '../src/db/schema.js';
import { createAccount, createCreditType, issueGrant } from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { enforcementDefaults } from '../src/settings/enforcement.js';
import { openLiveEnforcement } from '../src/settings/live-enforcement.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const dataDir = '.data/bench-deduct-statements';
await rm(dataDir, { recursive: true, force: true });
const server = await startEmbeddedPostgres({ dataDir, port: 5498, database: 'burndown', logger: createLogger('silent', 'count') });
let statements: string[] = [];
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: createPool({ connectionString: server.url, poolSize: 4, applicationName: 'count' }) }),
  log: (event) => void statements.push(event.query.sql.replace(/\s+/g, ' ').slice(0, 70)),
});
await migrateToLatest(db);
const ledger = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
await createAccount(db, { id: 'a', name: 'a' });
await issueGrant(ledger, { accountId: 'a', creditType: 'ai', amount: '1000', source: 'purchase' }, { actor: 'bench' });
// A key verified and cached, as in the steady state (the verifier's own lookup is not what is counted).
const principal: Principal = { keyId: 'key_bench', subject: 'bench', scopes: new Set(['service']), accountId: null, mode: 'live' };
const config = loadConfig({ BURNDOWN_ENV: 'test', LOG_LEVEL: 'silent' });
const deps: ApiDeps = {
  config,
  logger: createLogger('silent', 'count'),
  ledger,
  temporal: {} as ApiDeps['temporal'], // the deduct route never reaches Temporal
  verifyApiKey: () => Promise.resolve(principal),
  // The settings and the account's own mode are in memory after the account's first deduct (that one reads its mode).
  enforcement: await openLiveEnforcement(db, { defaults: enforcementDefaults(config) }),
  problemContext: { buyCreditsUrl: (id) => `/v1/accounts/${id}/purchases` },
};
const http = await new Promise<Server>((resolve) => {
  const s = createApp(deps).listen(0, '127.0.0.1', () => resolve(s));
});
const address = http.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
for (let i = 1; i <= 3; i++) {
  statements = [];
  const res = await fetch(`${base}/v1/accounts/a/deduct`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench', 'content-type': 'application/json', 'idempotency-key': `count-${i}` },
    body: JSON.stringify({ creditType: 'ai', amount: '1' }),
  });
  console.log(`deduct #${i}: HTTP ${res.status}, ${statements.length} statement(s): ${statements.join(' | ')}`);
}
http.close();
await db.destroy();
await server.stop();
