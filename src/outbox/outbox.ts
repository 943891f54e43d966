import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../db/database.js';

export interface NewOutboxEvent {
  /** Stable id; give one derived from the cause (e.g. `grant.expired:<grantId>`) to make the write idempotent. */
  id?: string;
  accountId: string | null;
  type: string;
  schemaVersion?: number;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Writes an event in the caller's transaction (R-I4): it exists exactly when
 * the change that caused it commits. Demands a Transaction for that reason.
 * Returns the event id; a second write with the same id is a no-op.
 */
export async function writeOutboxEvent(tx: Tx, event: NewOutboxEvent): Promise<string> {
  const id = event.id ?? `evt_${uuidv7().replaceAll('-', '')}`;
  await tx
    .insertInto('outbox_events')
    .values({
      id,
      account_id: event.accountId,
      type: event.type,
      schema_version: event.schemaVersion ?? 1,
      payload: JSON.stringify(event.payload),
      occurred_at: event.occurredAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return id;
}
