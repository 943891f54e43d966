import { sql } from 'kysely';
import { poolChainCte, type LedgerObserver } from '../ledger/index.js';
import { formatAmount } from '../money/amount.js';
import { writeOutboxEvent } from '../outbox/outbox.js';

export interface BalanceAlertDefaults {
  /** Whole credits; 0 means no default threshold (only per-account settings). */
  lowThreshold: number;
  /** balance.low re-arms at threshold + threshold × percent / 100 (rounded down). */
  rearmPercent: number;
}

interface AlertRow {
  account_id: string;
  available: bigint;
  low: bigint;
  rearm: bigint;
  precision: number;
  fire_low: boolean;
  fire_depleted: boolean;
}

/**
 * balance.low and balance.depleted (R-I4), written in the ledger operation's
 * own transaction. The common path is ONE statement: read the balance rows of
 * the operation account and its pool parents with their thresholds and armed
 * states, store the states that change, and mark the accounts linked to
 * HubSpot for a CRM sync. Events are written only on a transition, which is rare.
 *
 * Hysteresis: balance.low fires when the balance drops below the threshold and
 * stays quiet until the balance is back at or above the re-arm level (a top-up),
 * so burns hovering around the threshold do not flap. balance.depleted fires at
 * zero or below (on a row that ever had credits) and re-arms once it is positive.
 *
 * The balance evaluated is each account's own row (Σ remaining − debt, held
 * credits excluded). Pool parents are evaluated too: a pooled child burning
 * its parent's grants moves the parent's row, and the parent's owner must hear
 * of it. The operation holds the balance locks of the whole pool chain, so
 * concurrent children cannot race on a parent's armed state.
 */
export function createBalanceAlertObserver(defaults: BalanceAlertDefaults): LedgerObserver {
  const defaultWhole = BigInt(defaults.lowThreshold);
  const percent = BigInt(defaults.rearmPercent);
  return async ({ tx, accountId, creditType, now, transactionId }) => {
    const { rows } = await sql<AlertRow>`
      with recursive ${poolChainCte(accountId)},
      cur as (
        select b.account_id, b.balance as available, b.granted, ct.precision,
               coalesce(s.low_threshold, ${defaultWhole}::int8 * power(10, ct.precision)::int8) as low,
               coalesce(s.rearm_threshold,
                        ${defaultWhole}::int8 * power(10, ct.precision)::int8 * (100 + ${percent}::int8) / 100) as rearm,
               coalesce(st.low_active, false) as low_active,
               coalesce(st.depleted_active, false) as depleted_active
        from balances b
        join credit_types ct on ct.id = b.credit_type
        left join balance_alert_settings s on s.account_id = b.account_id and s.credit_type = b.credit_type
        left join balance_alert_state st on st.account_id = b.account_id and st.credit_type = b.credit_type
        where b.account_id in (select id from pool_chain) and b.credit_type = ${creditType}
      ),
      nxt as (
        select cur.*,
               case when low > 0 and available < low then true
                    when available >= rearm then false
                    else low_active end as low_next,
               available <= 0 and granted > 0 as depleted_next
        from cur
      ),
      saved as (
        insert into balance_alert_state (account_id, credit_type, low_active, depleted_active, updated_at)
        select account_id, ${creditType}, low_next, depleted_next, ${now} from nxt
        where low_next <> low_active or depleted_next <> depleted_active
        on conflict (account_id, credit_type) do update
          set low_active = excluded.low_active, depleted_active = excluded.depleted_active, updated_at = excluded.updated_at
        returning 1
      ),
      marked as (
        insert into crm_sync_marks (account_id, pending, marked_at)
        select c.id, true, ${now} from pool_chain c where exists (select 1 from crm_links l where l.account_id = c.id)
        on conflict (account_id) do update set pending = true, marked_at = excluded.marked_at
          where not crm_sync_marks.pending
        returning 1
      )
      select account_id, available, low, rearm, precision,
             low_next and not low_active as fire_low,
             depleted_next and not depleted_active as fire_depleted
      from nxt`.execute(tx);
    for (const row of rows) {
      if (!row.fire_low && !row.fire_depleted) continue;
      const units = (v: bigint) => formatAmount(BigInt(v), row.precision);
      const account = row.account_id;
      // The operation account keeps the id form events had before pools were evaluated.
      const cause = account === accountId ? transactionId : `${transactionId}:${account}`;
      if (row.fire_low) {
        await writeOutboxEvent(tx, {
          id: `balance.low:${cause}:${creditType}`,
          accountId: account,
          type: 'balance.low',
          occurredAt: now,
          payload: {
            accountId: account,
            creditType,
            available: units(row.available),
            threshold: units(row.low),
            rearmAt: units(row.rearm),
          },
        });
      }
      if (row.fire_depleted) {
        await writeOutboxEvent(tx, {
          id: `balance.depleted:${cause}:${creditType}`,
          accountId: account,
          type: 'balance.depleted',
          occurredAt: now,
          payload: { accountId: account, creditType, available: units(row.available) },
        });
      }
    }
  };
}
