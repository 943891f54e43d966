import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { fromUnits, getCreditType } from '../ledger/index.js';

export interface DisputeSubjectInput {
  transactionId?: string | undefined;
  usageEventId?: string | undefined;
}

export interface DisputedBurn {
  subjectType: 'transaction' | 'usage_event';
  transactionId: string;
  usageEventId: string | null;
  creditType: string;
  /** What the subject burned, in the credit type's precision. */
  amount: string;
}

const BURN_ENTRIES = ['burn', 'commit'] as const;

/**
 * The burn a dispute is about, found on the disputing account: a ledger
 * transaction of that account that burned credits, or the burn a usage event
 * of that account caused (only that event's entries, since one metering
 * transaction may burn several events). Burn entries of a pool child are on
 * its parent's chain, so entries are matched by transaction, on any account.
 */
export async function disputedBurn(db: Database, accountId: string, subject: DisputeSubjectInput): Promise<DisputedBurn> {
  const entries = db
    .selectFrom('ledger_entries as e')
    .innerJoin('ledger_transactions as t', (j) => j.onRef('t.id', '=', 'e.transaction_id').on('t.account_id', '=', accountId))
    .where('e.entry_type', 'in', BURN_ENTRIES)
    .select(['e.transaction_id', 'e.credit_type', sql<string>`sum(abs(e.amount))::text`.as('burned')])
    .groupBy(['e.transaction_id', 'e.credit_type'])
    .orderBy('e.transaction_id', 'desc');
  if (subject.transactionId !== undefined) {
    const found = await db
      .selectFrom('ledger_transactions')
      .select('id')
      .where('account_id', '=', accountId)
      .where('id', '=', subject.transactionId)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('transaction', subject.transactionId);
    const burn = await entries.where('e.transaction_id', '=', subject.transactionId).executeTakeFirst();
    if (!burn) throw new ConflictError('not_a_burn', `Transaction ${subject.transactionId} burned no credits; only burns can be disputed`);
    return { subjectType: 'transaction', usageEventId: null, ...(await burnOf(db, burn)) };
  }
  const eventId = subject.usageEventId!;
  const burn = await entries.where('e.usage_event_id', '=', eventId).executeTakeFirst();
  if (!burn) {
    const event = await db
      .selectFrom('usage_events')
      .select('status')
      .where('account_id', '=', accountId)
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (!event) throw new NotFoundError('usage event', eventId);
    throw new ConflictError('usage_event_not_burned', `Usage event ${eventId} has burned no credits (status ${event.status})`, {
      usageEventStatus: event.status,
    });
  }
  return { subjectType: 'usage_event', usageEventId: eventId, ...(await burnOf(db, burn)) };
}

async function burnOf(db: Database, burn: { transaction_id: string; credit_type: string; burned: string }) {
  const creditType = await getCreditType(db, burn.credit_type);
  return { transactionId: burn.transaction_id, creditType: burn.credit_type, amount: fromUnits(creditType, BigInt(burn.burned)) };
}
