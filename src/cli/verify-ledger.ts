/**
 * Verifies ledger hash chains (R-A3) and names the first broken entry, then
 * checks the ledger anchors under LEDGER_ANCHOR_KEY (issue 14, finding 13):
 * the anchor log as a whole, and each chain against its anchored heads.
 *   npm run verify-ledger -- --account acme [--credit-type ai]
 *   npm run verify-ledger -- --all
 * Exits 1 when a chain or an anchor is broken, so it can run from cron or CI.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { verifyAccountChains, verifyAnchorLog } from '../audit/chain-verify.js';
import { anchorKeyOf } from '../auth/secret-box.js';
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
  const anchorKey = anchorKeyOf(config);
  let broken = 0;
  try {
    const log = await verifyAnchorLog(db, anchorKey);
    if (log.firstFailed) {
      broken++;
      console.log(`ANCHOR  log: ${log.firstFailed.detail}`);
    } else {
      console.log(`ok      anchor log: ${log.checked} anchors, newest ${log.newestAt?.toISOString() ?? 'none'}`);
    }
    const accounts = values.account
      ? [values.account]
      : (await db.selectFrom('balances').select('account_id').distinct().orderBy('account_id').execute()).map((r) => r.account_id);
    for (const accountId of accounts) {
      for (const chain of await verifyAccountChains(db, anchorKey, accountId, values['credit-type'])) {
        const name = `${chain.accountId}/${chain.creditType}`;
        if (chain.ok) console.log(`ok      ${name}: ${chain.entries} entries, ${chain.anchors.checked} anchored heads`);
        if (chain.firstBroken) console.log(`BROKEN  ${name}: ${chain.firstBroken.detail}`);
        if (chain.anchors.firstFailed) console.log(`ANCHOR  ${name}: ${chain.anchors.firstFailed.detail}`);
        if (!chain.ok) broken++;
      }
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
  if (broken > 0) process.exitCode = 1;
});
