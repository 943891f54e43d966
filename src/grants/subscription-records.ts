import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { SubscriptionRow } from '../db/schema-grants.js';
import { NotFoundError } from '../errors.js';
import { subscriptionWorkflowId, type PlanRef } from '../contracts/grants.js';

/**
 * A subscription id derived from its account and what started it (the
 * caller's idempotency key, or the trial), so a retried start names the same
 * subscription and the same workflow.
 */
export function subscriptionIdFor(accountId: string, origin: string): string {
  return `sub_${createHash('sha256').update(`${accountId}\u0000${origin}`).digest('hex').slice(0, 24)}`;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  accountId: string;
  plan: PlanRef;
  anchor: string;
  trialId: string | null;
  createdBy: string;
}

/** Writes the subscription's row once; a second write of the same id is a no-op. */
export async function recordSubscription(db: Database, record: SubscriptionRecord): Promise<void> {
  await db
    .insertInto('subscriptions')
    .values({
      id: record.subscriptionId,
      account_id: record.accountId,
      workflow_id: subscriptionWorkflowId(record.subscriptionId),
      plan_id: record.plan.planId,
      plan_version: record.plan.version,
      anchor_at: record.anchor,
      trial_id: record.trialId,
      created_by: record.createdBy,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The subscription of this account (404 for another account's id: no BOLA). */
export async function findSubscription(db: Database, accountId: string, subscriptionId: string): Promise<SubscriptionRow> {
  const row = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', subscriptionId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('subscription', subscriptionId);
  return row;
}

export interface SubscriptionSummary {
  id: string;
  accountId: string;
  plan: PlanRef;
  startAt: string;
  trialId: string | null;
  createdBy: string;
  createdAt: string;
}

export function subscriptionSummary(row: SubscriptionRow): SubscriptionSummary {
  return {
    id: row.id,
    accountId: row.account_id,
    plan: { planId: row.plan_id, version: row.plan_version },
    startAt: row.anchor_at.toISOString(),
    trialId: row.trial_id,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listSubscriptions(
  db: Database,
  accountId: string,
  page: { limit: number; after?: string | undefined },
): Promise<SubscriptionSummary[]> {
  let query = db.selectFrom('subscriptions').selectAll().where('account_id', '=', accountId);
  if (page.after) query = query.where('id', '>', page.after);
  return (await query.orderBy('id').limit(page.limit).execute()).map(subscriptionSummary);
}
