/**
 * Verifies ledger hash chains (R-A3) and names the first broken entry:
 *   npm run verify-ledger -- --account acme [--credit-type ai]
 *   npm run verify-ledger -- --all
 * Exits 1 when a chain is broken, so it can run from cron or CI.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { verifyAccountChains } from '../audit/chain-verify.js';
import { createLogger } from '../logger.js';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.js';
import { runMain, UsageError } from './main.js';

runMain(async () => {
  const { values } = parseArgs({ options: { account: { type: 'string' }, 'credit-type': { type: 'string' }, all: { type: 'boolean' } } });
  if (!values.account && !values.all) throw new UsageError('give --account <id> (optionally --credit-type <id>) or --all');
  const config = loadConfig();
  const logger = createLogger('warn', 'burndown-verify');
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'burndown',
        logger,
        reuseRunning: true,
      });
  const db = createDatabase({ connectionString: config.DATABASE_URL ?? embedded!.url, poolSize: 2, applicationName: 'burndown-verify' });
  let broken = 0;
  try {
    const accounts = values.account
      ? [values.account]
      : (await db.selectFrom('balances').select('account_id').distinct().orderBy('account_id').execute()).map((r) => r.account_id);
    for (const accountId of accounts) {
      for (const chain of await verifyAccountChains(db, accountId, values['credit-type'])) {
        if (chain.ok) {
          console.log(`ok      ${chain.accountId}/${chain.creditType}: ${chain.entries} entries`);
        } else {
          broken++;
          console.log(`BROKEN  ${chain.accountId}/${chain.creditType}: ${chain.firstBroken!.detail}`);
        }
      }
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
  if (broken > 0) process.exitCode = 1;
});
