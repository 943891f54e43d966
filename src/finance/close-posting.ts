import { sql } from 'kysely';
import { writeAudit } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { AccountingAdapter } from './adapters/adapter.js';
import { readJournal } from './close.js';

/**
 * The last steps of month-end close (R-I3): the approval, the posting to the
 * accounting adapter, and the close's final record (posted or failed). Each
 * is idempotent, like the steps before them (close.ts).
 */

export async function recordApproval(db: Database, periodId: string, approver: string, at: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('finance_periods')
      .set({
        approved_by: approver,
        approved_at: at,
        status: sql`case when status = 'computed' then 'approved' else status end`,
        updated_at: at,
      })
      .where('period', '=', periodId)
      .where('approved_by', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) {
      await writeAudit(tx, { actor: approver, action: 'finance.period.approve', targetType: 'period', targetId: periodId, occurredAt: at });
    }
  });
}

export interface PostingResult {
  adapter: string;
  posted: number;
  skipped: number;
}

/** Posts the stored journal; lines the adapter accepted before (this run or an earlier one) are not sent again. */
export async function postJournal(db: Database, adapter: AccountingAdapter, periodId: string, at: Date): Promise<PostingResult> {
  const lines = await readJournal(db, periodId);
  const done = await db
    .selectFrom('finance_postings')
    .select('line_id')
    .where('period', '=', periodId)
    .where('adapter', '=', adapter.name)
    .execute();
  const alreadyPosted = new Set(done.map((d) => d.line_id));
  let posted = 0;
  await adapter.post(periodId, lines, alreadyPosted, async (line) => {
    const inserted = await db
      .insertInto('finance_postings')
      .values({ period: periodId, adapter: adapter.name, line_id: line.lineId, external_ref: line.externalRef, posted_at: at })
      .onConflict((oc) => oc.columns(['period', 'adapter', 'line_id']).doNothing())
      .executeTakeFirst();
    posted += Number(inserted.numInsertedOrUpdatedRows ?? 0n);
  });
  return { adapter: adapter.name, posted, skipped: alreadyPosted.size };
}

export async function recordClosed(db: Database, periodId: string, result: PostingResult, at: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('finance_periods')
      .set({
        status: 'posted',
        posted_at: at,
        adapter: result.adapter,
        posting_result: JSON.stringify(result),
        error: null,
        updated_at: at,
      })
      .where('period', '=', periodId)
      .execute();
    await writeAudit(tx, {
      actor: 'system:month-end-close',
      action: 'finance.period.post',
      targetType: 'period',
      targetId: periodId,
      after: result,
      occurredAt: at,
    });
  });
}

export async function recordCloseFailed(db: Database, periodId: string, error: string, at: Date): Promise<void> {
  await db.updateTable('finance_periods').set({ status: 'failed', error, updated_at: at }).where('period', '=', periodId).execute();
}
