/**
 * A second API process for tests (run with tsx): the real app over the given
 * database, with its own API-key verifier and revocation listener. Prints
 * `listening <port>` on stdout when it serves; exits when stdin closes.
 */
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app.js';
import { createApiKeyVerifier } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { enforcementDefaults } from '../../src/settings/enforcement.js';
import { openLiveEnforcement } from '../../src/settings/live-enforcement.js';

const [databaseUrl, temporalAddress] = process.argv.slice(2) as [string, string];
const db = createDatabase({ connectionString: databaseUrl, poolSize: 4, applicationName: 'test-api-process' });
const temporal = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
const verifyApiKey = createApiKeyVerifier(db, { listenUrl: databaseUrl });
const config = loadConfig({ BURNDOWN_ENV: 'test', LOG_LEVEL: 'silent' });
const enforcement = await openLiveEnforcement(db, { defaults: enforcementDefaults(config), listenUrl: databaseUrl });
const app = createApp({
  config,
  logger: createLogger('silent', 'test-api-process'),
  ledger: { db, clock: () => new Date(), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 },
  temporal,
  verifyApiKey,
  enforcement,
  problemContext: { buyCreditsUrl: (id) => `http://test/v1/accounts/${id}/purchases` },
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.close();
  void Promise.all([verifyApiKey.close(), enforcement.close(), temporal.connection.close(), db.destroy()]).then(() => process.exit(0));
});
