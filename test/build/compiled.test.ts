/**
 * The production build: `npm run build` compiles to dist/ with tsc and bundles
 * the workflow code ahead of time; `node dist/…` (no tsx) runs the API and the
 * worker against the test PostgreSQL and Temporal server, and a consumption
 * saga goes through them. Built once for the file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { expectLedgerInvariants } from '../helpers/invariants.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node <script>` with no loader (NODE_OPTIONS cleared), until a log line says it is ready. */
async function startCompiled(script: string, env: Record<string, string>, ready: string): Promise<Started> {
  const { NODE_OPTIONS: _dropped, ...inherited } = process.env;
  const child = spawn(process.execPath, [script], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${script} did not start:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, exited };
}

let database: TestDatabase;
let api: Started | undefined;
let worker: Started | undefined;
let url: string;
let key: string;

beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  expect(build.status, build.stdout + build.stderr).toBe(0);
  database = await createTestDatabase();
  const port = await freeLoopbackPort();
  const env = {
    BURNDOWN_ENV: 'production',
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LEDGER_ANCHOR_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `compiled-${randomBytes(4).toString('hex')}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_LISTEN: '127.0.0.1:0',
    WORKER_METRICS_LISTEN: '127.0.0.1:0',
    LOG_LEVEL: 'info',
  };
  // The worker first: it migrates nothing the API would not, and its Schedules are ready before traffic.
  worker = await startCompiled('dist/workers/main.js', env, 'worker running');
  api = await startCompiled('dist/src/cli/api.js', env, 'API listening');
  url = `http://127.0.0.1:${port}`;
  key = (await createApiKey(database.db, { name: 'test', subject: 'test-admin', scopes: ['admin'] })).token;
}, 300_000);

afterAll(async () => {
  for (const started of [api, worker]) {
    if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
  }
  if (database) {
    await expectLedgerInvariants(database.db);
    await database.destroy();
  }
});

let sequence = 0;
async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(method === 'POST' && { 'idempotency-key': `compiled-${++sequence}` }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('npm run build', () => {
  it('writes the compiled entry points and the workflow bundles', () => {
    for (const file of [
      'dist/src/cli/api.js',
      'dist/src/cli/migrate.js',
      'dist/workers/main.js',
      'dist/workers/workflow-bundle.js',
      'dist/workers/workflow-bundle-traced.js',
      'dist/ui',
    ]) {
      expect(existsSync(file), file).toBe(true);
    }
  });

  it('node dist/… runs the API and the worker without tsx; the worker loads the prebuilt workflow bundle', async () => {
    expect(worker!.output()).toContain('"workflowCode":"prebuilt bundle"');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // The web UI, built by `npm run build` into dist/ui, is served by the compiled API.
    expect((await fetch(`${url}/embed/burndown.js`)).status).toBe(200);
    expect((await call('POST', '/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 })).status).toBe(201);
    expect((await call('POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
    expect((await call('POST', '/v1/accounts/acme/grants', { creditType: 'ai', amount: '100', source: 'promo' })).status).toBe(201);
    // A saga: the API starts the workflow, the compiled worker runs it and its activities.
    const started = await call('POST', '/v1/consumptions', { accountId: 'acme', feature: 'chat', estimate: '5', idempotencyKey: 'c-1' });
    expect(started.body).toMatchObject({ status: 'reserved' });
    const done = await call('POST', `/v1/consumptions/${String(started.body.consumptionId)}/complete`, { actualQuantity: '3' });
    expect(done.body).toMatchObject({ status: 'completed' });
  });

  it('stops on SIGTERM: the API closes, the worker drains', async () => {
    api!.child.kill('SIGTERM');
    worker!.child.kill('SIGTERM');
    expect(await api!.exited).toBe(0);
    expect(await worker!.exited).toBe(0);
  });
});
