import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startStripeFake, type StripeFake } from '../fakes/stripe-fake.js';
import { useApi, type ApiFixture } from '../helpers/api.js';
import type { LedgerFixture } from '../helpers/ledger.js';
import { paymentsDeps } from '../payments/fixture.js';
import { useTimeSkippingWorker, type TimeSkippingFixture } from './time-skipping.js';

export interface PaidGrantsStack {
  /** The Stripe fake (behind the real SDK): queue outcomes, read the charges and their idempotency keys. */
  readonly fake: StripeFake;
  api: ApiFixture;
  t: TimeSkippingFixture;
  taskQueue: string;
}

/**
 * Per test file, the stack of paid plans: the Stripe fake and payment deps, a
 * Burndown worker on the time-skipping Temporal server with them, and the API
 * starting and querying workflows on that server, with the given dunning config.
 */
export function usePaidGrantsStack(f: LedgerFixture, name: string, config: Record<string, string>): PaidGrantsStack {
  let fake: StripeFake | undefined;
  let payments: Awaited<ReturnType<typeof paymentsDeps>> | undefined;
  beforeAll(async () => {
    fake = await startStripeFake();
    payments = await paymentsDeps(f.deps, fake.url);
  });
  afterAll(async () => {
    await fake?.close();
  });
  const taskQueue = `${name}-${randomBytes(4).toString('hex')}`;
  const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, ...config });
  const t = useTimeSkippingWorker(
    () => ({ ledger: f.deps, payments: payments! }),
    () => f.clock,
    taskQueue,
  );
  beforeAll(() => {
    // The API starts and queries workflows on the time-skipping server the worker polls.
    api.deps.temporal = t.env.client;
    api.deps.payments = payments!;
  });
  return {
    get fake() {
      return fake!;
    },
    api,
    t,
    taskQueue,
  };
}

/** The same without payments: the API and a worker on the time-skipping server, for plans that are never charged. */
export function useGrantsStack(f: LedgerFixture, name: string, config: Record<string, string>) {
  const taskQueue = `${name}-${randomBytes(4).toString('hex')}`;
  const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, ...config });
  const t = useTimeSkippingWorker(
    () => ({ ledger: f.deps }),
    () => f.clock,
    taskQueue,
  );
  beforeAll(() => {
    api.deps.temporal = t.env.client;
  });
  return { api, t, taskQueue };
}
