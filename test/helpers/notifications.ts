import { expect } from 'vitest';
import type { NotificationDeps } from '../../activities/notifications.js';
import type { Database } from '../../src/db/database.js';
import { eventCatalog, isEventType, type EventType } from '../../src/notifications/catalog.js';
import type { TemporalFixture } from './temporal.js';

/**
 * The relay and delivery deps of a test worker: the wall clock, a 5-minute
 * relay grace and a short retry schedule (the same code path as the 3-day
 * default); a test overrides what it exercises (breaker, retry, email, CRM).
 */
export function testNotificationDeps(db: Database, t: TemporalFixture, overrides: Partial<NotificationDeps> = {}): NotificationDeps {
  return {
    db,
    clock: () => new Date(),
    temporal: t.client,
    taskQueue: t.taskQueue,
    relayGraceSeconds: 300,
    expiringNoticeMs: 3 * 86_400_000,
    delivery: { timeoutMs: 2000, breakerFailures: 3, breakerCooldownMs: 1000 },
    retry: { initialMs: 100, maxIntervalMs: 400, maxAgeMs: 3000 },
    ...overrides,
  };
}

/**
 * Every outbox event of the account is in the event catalog and its payload
 * is what the catalog promises (GET /v1/event-types, the webhook schemas):
 * checked on the real events the ledger, payments and workflows wrote.
 */
export async function expectOutboxInCatalog(db: Database, accountId: string): Promise<void> {
  const rows = await db.selectFrom('outbox_events').select(['type', 'payload']).where('account_id', '=', accountId).execute();
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(isEventType(row.type), `${row.type} is not in src/notifications/catalog.ts`).toBe(true);
    const parsed = eventCatalog[row.type as EventType].payload.safeParse(row.payload);
    expect(parsed.error?.issues ?? [], `${row.type}: ${JSON.stringify(row.payload)}`).toEqual([]);
  }
}
