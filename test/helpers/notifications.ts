import type { NotificationDeps } from '../../activities/notifications.js';
import type { Database } from '../../src/db/database.js';
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
