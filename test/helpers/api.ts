import { Client, Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import { afterAll, beforeAll, inject } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import type { Database } from '../../src/db/database.js';
import { createApiKey, createApiKeyVerifier, type Scope } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { enforcementDefaults } from '../../src/settings/enforcement.js';
import { openLiveEnforcement } from '../../src/settings/live-enforcement.js';
import type { LedgerFixture } from './ledger.js';

export interface ApiFixture {
  baseUrl: string;
  /**
   * What the app runs on, plus the fixture's database and test clock for
   * tests to read (the app itself reaches both through `ledger`).
   */
  deps: ApiDeps & { db: Database; clock: () => Date };
  adminKey: string;
  /** A new key with the given scopes, optionally bound to one account. */
  key(scopes: Scope[], accountId?: string, subject?: string): Promise<string>;
}

export interface CallOptions {
  key?: string;
  idempotencyKey?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The real Express app on an ephemeral port, over the ledger fixture's database and the real Temporal server. */
export function useApi(
  ledger: LedgerFixture,
  configOverrides: Record<string, string> = {},
  /** When given, the app logs at info level into this array (one JSON line per entry) instead of nowhere. */
  logLines?: string[],
): ApiFixture {
  const fixture = {} as ApiFixture;
  let server: Server;
  let temporal: Client;
  beforeAll(async () => {
    const config = loadConfig({ BURNDOWN_ENV: 'test', LOG_LEVEL: 'silent', ...configOverrides });
    temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    fixture.deps = {
      config,
      db: ledger.deps.db,
      clock: ledger.deps.clock,
      logger: logLines
        ? createLogger('info', 'test-api', { write: (line: string) => void logLines.push(line) })
        : createLogger('silent', 'test-api'),
      ledger: ledger.deps,
      temporal,
      verifyApiKey: createApiKeyVerifier(ledger.deps.db, { listenUrl: ledger.database?.url }),
      enforcement: await openLiveEnforcement(ledger.deps.db, { defaults: enforcementDefaults(config), listenUrl: ledger.database?.url }),
      problemContext: { buyCreditsUrl: (id) => `http://test/v1/accounts/${id}/purchases` },
    };
    server = await new Promise<Server>((resolve) => {
      const s = createApp(fixture.deps).listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    fixture.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    fixture.key = async (scopes, accountId, subject) =>
      (await createApiKey(ledger.deps.db, { name: 'test', subject: subject ?? `test-${scopes.join('+')}`, scopes, accountId })).token;
    fixture.adminKey = await fixture.key(['admin'], undefined, 'test-admin');
  });
  afterAll(async () => {
    // A beforeAll that failed leaves no server: do not wait for one.
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await fixture.deps?.verifyApiKey.close?.();
    await fixture.deps?.enforcement.close();
    await temporal?.connection.close();
  });
  return fixture;
}

let sequence = 0;

/** One HTTP call; mutations get a fresh Idempotency-Key unless one is given (null: none). */
export async function call(api: ApiFixture, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key ?? api.adminKey;
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  // Every mutation takes an Idempotency-Key (PATCH and DELETE too).
  if (method !== 'GET' && options.idempotencyKey !== null) {
    headers['idempotency-key'] = options.idempotencyKey ?? `test-${process.pid}-${++sequence}-${Math.random()}`;
  }
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    // Tests read arbitrary JSON answers field by field.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: text && /json/.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as Record<string, any>) : undefined,
  };
}
