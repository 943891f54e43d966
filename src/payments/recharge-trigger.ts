import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { LedgerSqlObserver } from '../ledger/index.js';
import type { Logger } from '../logger.js';
import { availableUnits } from './available.js';
import type { StartRecharge } from './deps.js';

/**
 * How auto-recharge is triggered, so that a trigger is never lost and never
 * runs two recharges per (account, credit type):
 *
 * 1. Inside the burn's transaction, the observer below sees available fall
 *    under the threshold and sets `recharge_settings.trigger_pending_since`.
 *    The mark commits (or rolls back) with the burn: it is durable exactly
 *    when the burn is.
 * 2. After commit, the process that did the burn signals-with-start the
 *    workflow `recharge-<account>-<creditType>` (RechargeKicker). It first
 *    locks the settings row, which waits for the burn's transaction to end,
 *    and only then starts the workflow if the mark is there.
 * 3. The Schedule-driven scanner (every RECHARGE_SCAN_INTERVAL_SECONDS) does
 *    the same for every pending mark and every account below its threshold:
 *    the safety net for a process that died between commit and kick.
 * 4. The workflow id dedupes: signal-with-start on a running recharge only
 *    signals it. Its plan step clears the mark under the same row lock and
 *    re-reads the balance, so a burn after the plan marks and signals again.
 */
export function rechargeWorkflowId(accountId: string, creditType: string): string {
  return `recharge-${accountId}-${creditType}`;
}

/**
 * The ledger observer of step 1: the SQL function payments_recharge_trigger
 * (migrations/2026-11-29T001100_recharge_trigger_sql.ts) runs inside the
 * burn's own call (operations that bring credits in are skipped), marks every
 * account of the pool chain whose enabled setting is above what the account
 * can spend, and answers with those accounts; `onTrigger` is told of each
 * once the call is back (step 2).
 */
export function createRechargeObserver(onTrigger?: (accountId: string, creditType: string) => void): LedgerSqlObserver {
  return {
    sqlFunction: 'payments_recharge_trigger',
    onResult: (marked, { creditType }) => {
      for (const accountId of marked as string[]) onTrigger?.(accountId, creditType);
    },
  };
}

/**
 * Fires recharge workflows after the burn's commit, in this process. At most
 * one kick per (account, credit type) is in flight; kicks arriving meanwhile
 * collapse into one more pass. Failures are logged: the scanner retries.
 */
export class RechargeKicker {
  private target: { db: Database; start: StartRecharge; logger: Logger } | undefined;
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();

  connect(db: Database, start: StartRecharge, logger: Logger): void {
    this.target = { db, start, logger };
  }

  readonly kick = (accountId: string, creditType: string): void => {
    if (!this.target) return;
    const key = `${accountId}\u0000${creditType}`;
    if (this.inFlight.has(key)) {
      this.again.add(key);
      return;
    }
    this.inFlight.add(key);
    void this.run(this.target, key, accountId, creditType);
  };

  /** Resolves when no kick is in flight (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  private async run(target: NonNullable<RechargeKicker['target']>, key: string, accountId: string, creditType: string) {
    try {
      do {
        this.again.delete(key);
        // FOR UPDATE waits for the burn's transaction (which holds this row) to end.
        const pending = await target.db
          .transaction()
          .execute((tx) =>
            tx
              .selectFrom('recharge_settings')
              .select('trigger_pending_since')
              .where('account_id', '=', accountId)
              .where('credit_type', '=', creditType)
              .forUpdate()
              .executeTakeFirst(),
          );
        if (pending?.trigger_pending_since) await target.start(accountId, creditType);
      } while (this.again.has(key));
    } catch (error) {
      target.logger.warn({ err: error, accountId, creditType }, 'recharge kick failed; the scanner will retry');
    } finally {
      this.inFlight.delete(key);
    }
  }
}

/**
 * The scanner's pass: every enabled, unpaused setting with a pending mark or
 * a balance under its threshold gets a signal-with-start. Returns how many.
 */
export async function dispatchDueRecharges(db: Database, start: StartRecharge, now: Date): Promise<number> {
  let started = 0;
  let after: [string, string] = ['', ''];
  for (;;) {
    const page = await db
      .selectFrom('recharge_settings')
      .select(['account_id', 'credit_type', 'threshold', 'trigger_pending_since'])
      .where('enabled', '=', true)
      .where('paused', '=', false)
      .where(sql<boolean>`(account_id, credit_type) > (${after[0]}, ${after[1]})`)
      .orderBy('account_id')
      .orderBy('credit_type')
      .limit(200)
      .execute();
    for (const s of page) {
      const due = s.trigger_pending_since !== null || (await availableUnits(db, s.account_id, s.credit_type, now)) < s.threshold;
      if (due) {
        await start(s.account_id, s.credit_type);
        started += 1;
      }
    }
    if (page.length < 200) return started;
    const last = page[page.length - 1]!;
    after = [last.account_id, last.credit_type];
  }
}
