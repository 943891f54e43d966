import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { startApi, type RunningApi } from '../../src/runtime/api.js';
import { loopTable, openAreas, scheduleTable, type Areas } from '../../src/runtime/areas.js';
import { openCore, type Core } from '../../src/runtime/core.js';
import { startWorker, type RunningWorker } from '../../workers/start.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { expectLedgerInvariants } from './invariants.js';

export interface StackFixture {
  database: TestDatabase;
  core: Core;
  areas: Areas;
  api: RunningApi;
  worker: RunningWorker;
  adminKey: string;
  /** One call to the running API with the admin key; POSTs get a fresh Idempotency-Key unless one is given. */
  // Tests read arbitrary JSON answers field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

/**
 * The stack as `npm start` wires it (src/runtime: core, areas, worker, API,
 * their /metrics listeners), in this test process, over a fresh database of
 * the test PostgreSQL and the test Temporal server, on a task queue of its
 * own and free ports. The invariants are checked when the file ends. `env`
 * may be a function, read when the stack starts (a URL another fixture made).
 */
export function useRunningStack(env: Record<string, string> | (() => Record<string, string>) = {}): StackFixture {
  const fixture = {} as StackFixture;
  beforeAll(async () => {
    fixture.database = await createTestDatabase();
    const config = loadConfig({
      BURNDOWN_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      METRICS_LISTEN: '127.0.0.1:0',
      WORKER_METRICS_LISTEN: '127.0.0.1:0',
      TEMPORAL_TASK_QUEUE: `stack-${randomBytes(4).toString('hex')}`,
      ...(typeof env === 'function' ? env() : env),
    });
    const logger = createLogger('silent', 'test-stack');
    fixture.core = await openCore(
      config,
      logger,
      { databaseUrl: fixture.database.url, temporalAddress: inject('temporalAddress') },
      'test-stack',
    );
    fixture.areas = openAreas(fixture.core);
    fixture.worker = await startWorker(fixture.core, fixture.areas);
    fixture.api = await startApi(fixture.core, fixture.areas);
    fixture.adminKey = (await createApiKey(fixture.core.db, { name: 'test', subject: 'test-admin', scopes: ['admin'] })).token;
    let sequence = 0;
    fixture.call = async (method, path, body, headers = {}) => {
      const response = await fetch(`${fixture.api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${fixture.adminKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(method === 'POST' && { 'idempotency-key': `stack-${process.pid}-${++sequence}` }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text && text.startsWith('{') ? JSON.parse(text) : text };
    };
  });
  afterAll(async () => {
    await fixture.api?.close();
    await fixture.worker?.drain();
    if (fixture.core) {
      // The Schedules this worker created name its task queue; later files would otherwise keep them.
      for (const { scheduleId } of scheduleTable(fixture.areas)) {
        await fixture.core.temporal.schedule
          .getHandle(scheduleId)
          .delete()
          .catch(() => undefined);
      }
      // Its loops too (their ids name its task queue): left running they would wait for a worker forever.
      for (const { workflowId } of loopTable(fixture.areas)) {
        await fixture.core.temporal.workflow
          .getHandle(workflowId)
          .terminate('test stack closed')
          .catch(() => undefined);
      }
      await expectLedgerInvariants(fixture.core.db);
      await fixture.core.close();
    }
    await fixture.database?.destroy();
  });
  return fixture;
}
