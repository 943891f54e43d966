/**
 * Creates an API key and prints it once. The first admin key comes from here:
 *   npm run create-admin-key -- --subject alice@example.com
 *   npm run create-api-key -- --scope service --name checkout-service
 *   npm run create-api-key -- --scope customer --account acme
 *   npm run create-api-key -- --scope admin --mode test     (a test-mode key: bd_test_…)
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { writeAudit } from '../audit/audit-log.js';
import { createApiKey, modes, scopes, type Mode, type Scope } from '../auth/api-keys.js';
import { loadConfig } from '../config/config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.js';
import { runMain, UsageError } from './main.js';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string', multiple: true },
      name: { type: 'string' },
      subject: { type: 'string' },
      account: { type: 'string' },
      mode: { type: 'string', default: 'live' },
    },
  });
  const wanted = (values.scope ?? []) as Scope[];
  const bad = wanted.filter((s) => !(scopes as readonly string[]).includes(s));
  if (wanted.length === 0 || bad.length > 0) {
    throw new UsageError(`--scope must be one or more of ${scopes.join(', ')}${bad.length ? `; got ${bad.join(', ')}` : ''}`);
  }
  const mode = values.mode as Mode;
  if (!modes.includes(mode)) throw new UsageError(`--mode must be live or test; got ${values.mode}`);
  if (wanted.includes('customer') && !values.account) throw new UsageError('a customer key must be bound to an account: --account <id>');
  const config = loadConfig();
  const logger = createLogger('warn', 'burndown-keys');
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.DATA_DIR,
        port: config.EMBEDDED_POSTGRES_PORT,
        database: 'burndown',
        logger,
        reuseRunning: true,
      });
  const db = createDatabase({ connectionString: config.DATABASE_URL ?? embedded!.url, poolSize: 2, applicationName: 'burndown-keys' });
  try {
    await migrateToLatest(db);
    const name = values.name ?? `${wanted.join('+')} key`;
    const key = await createApiKey(db, { name, subject: values.subject ?? name, scopes: wanted, accountId: values.account, mode });
    await writeAudit(db, {
      actor: `cli:${userInfo().username}`,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: key.id,
      accountId: key.accountId,
      after: { name, subject: values.subject ?? name, scopes: wanted, accountId: key.accountId, mode },
      occurredAt: new Date(),
    });
    console.log(key.token);
    console.error(
      `Created ${mode}-mode ${key.id} (${wanted.join(', ')}${key.accountId ? `, bound to ${key.accountId}` : ''}). It is shown only once.`,
    );
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
});
