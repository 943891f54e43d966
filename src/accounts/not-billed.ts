import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/** Events of an account that were never billed, and why (issue 19: the late-event cutoff, told to customers). */
export interface NotBilledEvents {
  /** Events older than this many days (by event time) when they arrive are refused as late_event and never billed. */
  lateEventWindowDays: number;
  /** How many were refused in the range (events lists the newest of them). */
  total: number;
  events: {
    eventId: string;
    feature: string;
    quantity: string | null;
    eventTime: string;
    receivedAt: string;
    reason: 'late_event';
    detail: string;
  }[];
}

/** The most events listed in one answer; `total` still counts all of the range. */
export const NOT_BILLED_LIMIT = 100;

/** The usage events of `accountId` refused in [from, to) (by arrival), newest first. */
export async function notBilledEvents(
  db: Database,
  accountId: string,
  range: { from: Date; to: Date },
  lateEventWindowDays: number,
): Promise<NotBilledEvents> {
  const rows = await db
    .selectFrom('usage_event_rejections')
    .select(['event_id', 'feature', 'quantity', 'event_time', 'received_at', 'reason', 'detail'])
    .select(sql<string>`count(*) over ()`.as('total'))
    .where('account_id', '=', accountId)
    .where('received_at', '>=', range.from)
    .where('received_at', '<', range.to)
    .orderBy('received_at', 'desc')
    .orderBy('event_id')
    .limit(NOT_BILLED_LIMIT)
    .execute();
  return {
    lateEventWindowDays,
    total: rows.length === 0 ? 0 : Number(rows[0]!.total),
    events: rows.map((r) => ({
      eventId: r.event_id,
      feature: r.feature,
      quantity: r.quantity,
      eventTime: r.event_time.toISOString(),
      receivedAt: r.received_at.toISOString(),
      reason: r.reason,
      detail: r.detail,
    })),
  };
}
