/**
 * npx tsx bench/count-statements.ts — how many SQL statements and transactions
 * one ledger operation costs, by logging every query kysely sends. This is the
 * first thing that bounds the hot path: each statement is a round trip, and the
 * balance-row lock is held across all of those inside the transaction. A
 * ledger operation is one autocommitted statement (ledger_execute): no BEGIN,
 * no COMMIT; group commit puts many in one (ledger_execute_batch).
 */
import { Kysely, PostgresDialect } from 'kysely';
import { rm } from 'node:fs/promises';
import { createPool } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  commitHold,
  createAccount,
  createCreditType,
  createGroupCommit,
  createHold,
  deduct,
  getBalances,
  issueGrant,
  refundBurn,
  releaseHold,
} from '../src/ledger/index.js';
import { createLogger } from '../src/logger.js';
import { startEmbeddedPostgres } from '../src/stack/embedded-postgres.js';

const dataDir = '.data/bench-statements';
await rm(dataDir, { recursive: true, force: true });
const server = await startEmbeddedPostgres({ dataDir, port: 5497, database: 'burndown', logger: createLogger('silent', 'count') });
const statements: string[] = [];
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool: createPool({ connectionString: server.url, poolSize: 4, applicationName: 'count' }) }),
  log: (event) => void statements.push(event.query.sql.split(/\s+/).slice(0, 3).join(' ')),
});
await migrateToLatest(db);
const ledger = { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
await createCreditType(db, { id: 'ai', name: 'AI', precision: 2 });
await createAccount(db, { id: 'a', name: 'a' });
await issueGrant(ledger, { accountId: 'a', creditType: 'ai', amount: '1000', source: 'purchase' }, { actor: 'bench' });
const burn = await deduct(ledger, { accountId: 'a', creditType: 'ai', amount: '1' }, { actor: 'bench' }); // warm caches

const measure = async (name: string, fn: () => Promise<unknown>) => {
  statements.length = 0;
  await fn();
  console.log(`${name}: ${statements.length} statements (${statements.join(' | ')})`);
};
await measure('deduct', () => deduct(ledger, { accountId: 'a', creditType: 'ai', amount: '1' }, { actor: 'bench', idempotencyKey: 'k1' }));
let holdId = '';
await measure(
  'hold',
  async () => (holdId = (await createHold(ledger, { accountId: 'a', creditType: 'ai', amount: '2' }, { actor: 'bench' })).id),
);
await measure('commit', () => commitHold(ledger, holdId, '1', { actor: 'bench' }));
await measure('release', async () => {
  const hold = await createHold(ledger, { accountId: 'a', creditType: 'ai', amount: '2' }, { actor: 'bench' });
  statements.length = 0;
  await releaseHold(ledger, hold.id, { actor: 'bench' });
});
await measure('refund', () => refundBurn(ledger, { accountId: 'a', transactionId: burn.transactionId }, { actor: 'bench' }));
await measure('grant', () => issueGrant(ledger, { accountId: 'a', creditType: 'ai', amount: '5', source: 'promo' }, { actor: 'bench' }));
const grouped = { ...ledger, groupCommit: createGroupCommit() };
await measure('20 concurrent deducts of one account, group commit', () =>
  Promise.all(Array.from({ length: 20 }, () => deduct(grouped, { accountId: 'a', creditType: 'ai', amount: '1' }, { actor: 'bench' }))),
);
await measure('balance read', () => getBalances(db, 'a', new Date()));
await db.destroy();
await server.stop();
await rm(dataDir, { recursive: true, force: true });
