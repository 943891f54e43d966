import { z } from 'zod';
import { variable, port, positiveInt, postgresUrl, hostPort, type VariableSpec } from './variable-spec.js';
import { areaVariables } from './variables-areas.js';
import { securityVariables } from './variables-security.js';
import { observabilityVariables, temporalTlsVariables } from './variables-operations.js';
import { emailVariables } from './variables-email.js';

export type { VariableSpec };

/**
 * Every setting of Burndown, declared once: its schema, an example and a line
 * of documentation. src/config/config.ts parses the environment with these,
 * and docs/CONFIGURATION.md is printed from them (`npm run config:table`), in
 * this order: the process's own (server, database, Temporal, ledger, API),
 * Temporal TLS, metrics and tracing (src/config/variables-operations.ts), the areas' (src/config/variables-areas.ts), the web UI's.
 */
const processVariables = {
  BURNDOWN_ENV: variable(
    z.enum(['development', 'test', 'production']).default('development'),
    'production',
    'Deployment environment. `production` refuses to start on embedded servers.',
  ),
  HOST: variable(z.string().min(1).default('127.0.0.1'), '0.0.0.0', 'Interface the API listens on.'),
  PORT: variable(z.coerce.number().int().min(0).max(65535).default(3000), '8080', 'Port the API listens on (0 picks a free one).'),
  PUBLIC_URL: variable(
    z.url().optional(),
    'https://billing.example.com',
    'Base URL printed in hints and links (defaults to http://HOST:PORT).',
  ),
  DATA_DIR: variable(
    z.string().min(1).default('.data'),
    '/var/lib/burndown',
    'Folder for embedded PostgreSQL data, the Temporal dev server database and logs. Git-ignored.',
  ),
  DATABASE_URL: variable(
    postgresUrl.optional(),
    'postgres://burndown:secret@db:5432/burndown',
    'PostgreSQL to use. Unset: an embedded PostgreSQL server is started with its data in DATA_DIR.',
  ),
  DATABASE_POOL_SIZE: variable(positiveInt.default(20), '40', 'Connections in the API and worker pools.'),
  EMBEDDED_POSTGRES_PORT: variable(port.default(5433), '5433', 'Port of the embedded PostgreSQL server.'),
  TEMPORAL_ADDRESS: variable(
    hostPort.optional(),
    'temporal.internal:7233',
    'Temporal frontend. Unset: a `temporal server start-dev` is started with its SQLite file in DATA_DIR.',
  ),
  TEMPORAL_NAMESPACE: variable(z.string().min(1).default('default'), 'billing', 'Temporal namespace.'),
  TEMPORAL_TASK_QUEUE: variable(z.string().min(1).default('burndown'), 'burndown', 'Task queue of the Burndown worker.'),
  TEMPORAL_CLI_PATH: variable(
    z.string().min(1).optional(),
    '/usr/local/bin/temporal',
    'Path of the `temporal` CLI used for the dev server. Unset: looked up on PATH (installed by `npm run setup`).',
  ),
  TEMPORAL_DEV_PORT: variable(port.default(7233), '7233', 'Frontend port of the embedded Temporal dev server.'),
  TEMPORAL_UI_PORT: variable(port.default(8233), '8233', 'Web UI port of the embedded Temporal dev server.'),
  LOG_LEVEL: variable(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'debug', 'pino log level.'),
  HOLD_DEFAULT_TTL_SECONDS: variable(positiveInt.default(900), '600', 'TTL of a hold when the caller gives none.'),
  HOLD_MAX_TTL_SECONDS: variable(positiveInt.default(86_400), '3600', 'Longest TTL a caller may ask for on a hold.'),
  HOLD_SWEEP_INTERVAL_SECONDS: variable(positiveInt.default(60), '30', 'How often the Temporal Schedule releases holds past their TTL.'),
  IDEMPOTENCY_RETENTION_HOURS: variable(
    z.coerce.number().int().min(72).default(72),
    '168',
    'How long Idempotency-Key responses are kept (at least 72).',
  ),
  IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS: variable(
    positiveInt.default(60),
    '30',
    'A request still marked in flight after this long is taken to have died; a retry with its key runs again (at once when the API process that claimed it is gone).',
  ),
  BOOTSTRAP_ADMIN_KEY: variable(
    z
      .string()
      .regex(/^bd_[a-z]+_[A-Za-z0-9]+_[A-Za-z0-9]+$/, 'must be a Burndown key: bd_<env>_<id>_<secret>')
      .optional(),
    'bd_live_k1a2b3_…',
    'Dev stack only: an admin key to create at start if missing (the run command prints a local one).',
  ),
} as const;

/** The embeddable wallet and the console (docs/UI.md). */
const webUiVariables = {
  UI_ALLOWED_ORIGINS: variable(
    z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin is scheme://host[:port], without a path'))),
    'https://app.example.com,https://staging.example.com',
    'Comma-separated origins whose pages may call the API from a browser (CORS), e.g. the pages that embed the wallet. Empty: same origin only.',
  ),
  SESSION_TOKEN_TTL_SECONDS: variable(
    positiveInt.max(3600).default(900),
    '600',
    'Lifetime of a browser session token (POST /v1/accounts/{id}/session-tokens), at most 3600; a request may ask for less.',
  ),
} as const;

export const configVariables = {
  ...processVariables,
  ...temporalTlsVariables,
  ...observabilityVariables,
  ...areaVariables,
  ...webUiVariables,
  ...securityVariables,
  ...emailVariables,
} as const;
