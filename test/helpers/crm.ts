import { afterAll, beforeAll } from 'vitest';
import type { NotificationDeps } from '../../activities/notifications.js';
import { testNotificationDeps } from './notifications.js';
import { crmAccountSyncWorkflowId, WORKFLOW_TYPES } from '../../src/contracts/index.js';
import { createHubSpotGateway } from '../../src/crm/hubspot-gateway.js';
import type { CrmSyncDeps } from '../../src/crm/sync.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { createBalanceAlertObserver } from '../../src/notifications/balance-alerts.js';
import { HubSpotFake } from '../fakes/hubspot-fake.js';
import { useLedgerFixture } from './ledger.js';
import { useTemporalWorker } from './temporal.js';

/**
 * A CRM test file's world: a database, the HubSpot fake behind the real
 * @hubspot/api-client, and a Temporal worker running the relay and the sync
 * workflows with a short debounce. `upsell` overrides the sync's upsell settings.
 */
export function useCrmFixture(options: { debounceSeconds: number; upsell?: CrmSyncDeps['upsell'] }) {
  const f = useLedgerFixture();
  const fake = new HubSpotFake();
  // Before the worker's deps are built: the gateway takes the fake's URL.
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  const crmDeps = (): CrmSyncDeps => ({
    db: f.deps.db,
    clock: f.deps.clock,
    // The real SDK client, pointed at the local fake.
    gateway: createHubSpotGateway({ accessToken: 'pat-test-token', basePath: fake.url }),
    ...(options.upsell && { upsell: options.upsell }),
  });
  const notificationDeps = (): NotificationDeps =>
    testNotificationDeps(f.deps.db, t, {
      delivery: { timeoutMs: 2000, breakerFailures: 5, breakerCooldownMs: 1000 },
      retry: { initialMs: 100, maxIntervalMs: 400, maxAgeMs: 2000 },
      // Idle 2 s: the sync workflow ends soon after the last change, so a test can await its result.
      crmSync: { debounceSeconds: options.debounceSeconds, idleSeconds: 2 },
    });
  const t = useTemporalWorker(() => ({ ledger: f.deps, notifications: notificationDeps(), crm: crmDeps() }));
  const ledger = (): LedgerDeps => ({ ...f.deps, observers: [createBalanceAlertObserver({ lowThreshold: 0, rearmPercent: 20 })] });
  /** One run of the outbox relay: marks and signals the syncs of the accounts that changed. */
  const relayOnce = (name: string) =>
    t.client.workflow.execute(WORKFLOW_TYPES.outboxRelay, {
      taskQueue: t.taskQueue,
      workflowId: `relay-${name}-${Math.random().toString(36).slice(2)}`,
      args: [],
    });
  /** Ends when the account's sync workflow has gone idle after its last change. */
  const syncSettled = (accountId: string) =>
    t.client.workflow.getHandle(crmAccountSyncWorkflowId(accountId)).result() as Promise<{ syncs: number }>;
  return { f, fake, t, crmDeps, ledger, relayOnce, syncSettled };
}
