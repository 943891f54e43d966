import { sql, type RawBuilder } from 'kysely';
import type { Tx } from '../db/database.js';
import type { Balance, EntryType, Grant, NewLedgerEntry } from '../db/schema.js';
import { canonicalJson, entryHash } from './entry-hash.js';
import { balanceKey } from './locks.js';

/**
 * How each entry type moves the buckets of its (account, credit type) balance
 * row and the remaining amount of its grant. This table is the whole
 * accounting model of the ledger; the invariants in docs/ledger-design.md
 * follow from it:
 *
 *   granted − voided = (burned − refunded) + expired + balance + held
 *   balance          = Σ grant.remaining − debt
 *
 * | type    | balance | held | debt | grant.remaining | total moved       |
 * |---------|---------|------|------|-----------------|-------------------|
 * | grant   | +a      |      |      | +a              | granted +a        |
 * | burn    | −a      |      | +a¹  | −a              | burned +a         |
 * | settle  |         |      | −a   | −a              |                   |
 * | hold    | −a      | +a   |      | −a              |                   |
 * | release | +a      | −a   |      | +a              |                   |
 * | commit  |         | −a   |      |                 | burned +a         |
 * | expiry  | −a      |      |      | −a              | expired +a        |
 * | void    | −a      |      |      | −a              | voided +a         |
 * | refund  | +a      |      | −a¹  | +a              | refunded +a       |
 *
 * ¹ only for an entry without a grant: an overdraft burn adds to the debt, a
 *   refund of an overdraft burn pays it back. Entries with a grant move the
 *   grant instead.
 */
/**
 * Grants with an expiry have a timer of their own, except a subscription's
 * allotments and rollovers: the subscription workflow expires those at the
 * period end. (Issuing a grant is not a crossing worth telling: its timer is
 * started by whoever issued it.)
 */
function hasOwnExpiryTimer(grant: Grant): boolean {
  return grant.expires_at !== null && grant.source !== 'plan' && grant.source !== 'rollover';
}

interface Effect {
  balance: -1n | 0n | 1n;
  held: -1n | 0n | 1n;
  grant: -1n | 0n | 1n;
  total?: 'granted' | 'burned' | 'expired' | 'voided' | 'refunded';
}

const effects: Record<Exclude<EntryType, 'adjustment'>, Effect> = {
  grant: { balance: 1n, held: 0n, grant: 1n, total: 'granted' },
  burn: { balance: -1n, held: 0n, grant: -1n, total: 'burned' },
  settle: { balance: 0n, held: 0n, grant: -1n },
  hold: { balance: -1n, held: 1n, grant: -1n },
  release: { balance: 1n, held: -1n, grant: 1n },
  commit: { balance: 0n, held: -1n, grant: 0n, total: 'burned' },
  expiry: { balance: -1n, held: 0n, grant: -1n, total: 'expired' },
  void: { balance: -1n, held: 0n, grant: -1n, total: 'voided' },
  refund: { balance: 1n, held: 0n, grant: 1n, total: 'refunded' },
};

export interface PostingContext {
  transactionId: string;
  initiatorAccountId: string;
  actor: string;
  now: Date;
  reason?: string | null | undefined;
  feature?: string | null | undefined;
  usageEventId?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
}

export interface PostOptions {
  grant?: Grant;
  holdId?: string;
  metadata?: Record<string, string>;
}

/**
 * Collects the entries of one ledger transaction against balance rows that the
 * caller has already locked, keeps the in-memory rows and grants current as it
 * goes (so each entry records its true before and after), and writes
 * everything in a few statements at flush().
 */
export class Posting {
  private readonly entries: NewLedgerEntry[] = [];
  private readonly touchedGrants = new Map<string, Grant>();
  private readonly touchedBalances = new Set<string>();
  /** Expiring grants whose remaining amount crossed zero: their timers must look again. */
  private readonly timerWakeUps = new Map<string, Grant>();

  constructor(
    private readonly tx: Tx,
    private readonly balances: Map<string, Balance>,
    readonly context: PostingContext,
  ) {}

  balanceOf(accountId: string, creditType: string): Balance {
    const row = this.balances.get(balanceKey(accountId, creditType));
    if (!row) throw new Error(`balance ${accountId}/${creditType} is not locked by this transaction`);
    return row;
  }

  post(type: Exclude<EntryType, 'adjustment'>, accountId: string, creditType: string, amount: bigint, options: PostOptions = {}): void {
    if (amount <= 0n) throw new Error(`ledger entries move a positive amount, got ${amount} for ${type}`);
    const row = this.balanceOf(accountId, creditType);
    const effect = effects[type];
    const grant = options.grant;
    if (grant && (grant.account_id !== accountId || grant.credit_type !== creditType)) {
      throw new Error(`grant ${grant.id} does not belong to ${accountId}/${creditType}`);
    }

    const balanceBefore = row.balance;
    row.balance += effect.balance * amount;
    row.held += effect.held * amount;
    if (effect.total) row[effect.total] += amount;
    if (!grant) {
      if (type === 'burn') row.debt += amount;
      else if (type === 'refund') row.debt -= amount;
      else if (type !== 'commit') throw new Error(`${type} entries need a grant`);
    } else if (type === 'settle') {
      row.debt -= amount;
    }
    if (row.held < 0n || row.debt < 0n) throw new Error(`${type} of ${amount} would make held or debt negative`);

    let grantBefore: bigint | null = null;
    let grantAfter: bigint | null = null;
    if (grant) {
      grantBefore = grant.remaining;
      grant.remaining += effect.grant * amount;
      grantAfter = grant.remaining;
      if (grant.remaining < 0n || grant.remaining > grant.amount) {
        throw new Error(`${type} of ${amount} takes grant ${grant.id} outside 0..${grant.amount}`);
      }
      this.touchedGrants.set(`${grant.account_id}\u0000${grant.id}`, grant);
      if (type !== 'grant' && hasOwnExpiryTimer(grant) && (grantBefore === 0n) !== (grantAfter === 0n)) {
        this.timerWakeUps.set(`${grant.account_id}\u0000${grant.id}`, grant);
      }
    }

    // Entry times never run backwards within a chain, even across processes
    // whose clocks differ slightly.
    const createdAt = row.last_entry_at && row.last_entry_at > this.context.now ? row.last_entry_at : this.context.now;
    row.last_entry_at = createdAt;
    row.entry_seq += 1n;
    const metadata = canonicalJson(options.metadata ?? {});
    const fields = {
      account_id: accountId,
      credit_type: creditType,
      seq: row.entry_seq,
      transaction_id: this.context.transactionId,
      entry_type: type,
      amount,
      balance_before: balanceBefore,
      balance_after: row.balance,
      held_after: row.held,
      grant_id: grant?.id ?? null,
      grant_remaining_before: grantBefore,
      grant_remaining_after: grantAfter,
      hold_id: options.holdId ?? null,
      initiator_account_id: this.context.initiatorAccountId,
      actor: this.context.actor,
      reason: this.context.reason ?? null,
      feature: this.context.feature ?? null,
      usage_event_id: this.context.usageEventId ?? null,
      idempotency_key: this.context.idempotencyKey ?? null,
      metadata,
      created_at: createdAt,
    };
    const hash = entryHash(row.last_hash, fields);
    this.entries.push({ ...fields, prev_hash: row.last_hash, hash });
    row.last_hash = hash;
    this.touchedBalances.add(balanceKey(accountId, creditType));
  }

  get entryCount(): number {
    return this.entries.length;
  }

  /**
   * Writes the entries, the grants' remaining amounts, the timer marks and the
   * balance rows in one statement (data-modifying CTEs): each statement is a
   * round trip made while the balance rows are locked, and on a busy machine
   * round trips, not PostgreSQL's work, bound the hot path.
   */
  async flush(): Promise<void> {
    // A grant closed with nothing left (void or expiry of an empty grant) has
    // no entry but its status must still be written.
    if (this.entries.length === 0 && this.touchedGrants.size === 0) return;
    const writes: RawBuilder<unknown>[] = [];
    if (this.entries.length > 0) writes.push(sql`entries as (${this.tx.insertInto('ledger_entries').values(this.entries)})`);

    const grants = [...this.touchedGrants.values()];
    if (grants.length > 0) {
      const rows = sql.join(grants.map((g) => sql`(${g.account_id}, ${g.id}, ${g.remaining}::int8, ${g.status})`));
      writes.push(sql`grant_rows as (update grants as g set remaining = v.remaining, status = v.status
        from (values ${rows}) as v(account_id, id, remaining, status)
        where g.account_id = v.account_id and g.id = v.id)`);
    }

    // Used up, or refilled: the grant's expiry timer ends or must run again
    // (R-G6). Marked here, in the ledger transaction; the outbox relay tells
    // the timer. Expired and voided grants need no timer.
    const wakeUps = [...this.timerWakeUps.values()].filter((g) => g.status === 'active');
    if (wakeUps.length > 0) {
      const marks = this.tx
        .insertInto('grant_timer_marks')
        .values(wakeUps.map((g) => ({ account_id: g.account_id, grant_id: g.id, pending: true, marked_at: this.context.now })))
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'grant_id'])
            .doUpdateSet({ pending: true, version: sql`grant_timer_marks.version + 1`, marked_at: this.context.now }),
        );
      writes.push(sql`timer_marks as (${marks})`);
    }

    const balanceRows = [...this.touchedBalances].map((key) => {
      const b = this.balances.get(key)!;
      return sql`(${b.account_id}, ${b.credit_type}, ${b.balance}::int8, ${b.held}::int8, ${b.debt}::int8, ${b.granted}::int8,
        ${b.burned}::int8, ${b.refunded}::int8, ${b.expired}::int8, ${b.voided}::int8, ${b.entry_seq}::int8,
        ${b.last_hash}::bytea, ${b.last_entry_at}::timestamptz)`;
    });
    if (balanceRows.length > 0) {
      writes.push(sql`balance_rows as (update balances as b set balance = v.balance, held = v.held, debt = v.debt,
          granted = v.granted, burned = v.burned, refunded = v.refunded, expired = v.expired, voided = v.voided,
          entry_seq = v.entry_seq, last_hash = v.last_hash, last_entry_at = v.last_entry_at
        from (values ${sql.join(balanceRows)})
          as v(account_id, credit_type, balance, held, debt, granted, burned, refunded, expired, voided, entry_seq, last_hash, last_entry_at)
        where b.account_id = v.account_id and b.credit_type = v.credit_type)`);
    }
    await sql`with ${sql.join(writes)} select 1`.execute(this.tx);
    this.entries.length = 0;
    this.touchedGrants.clear();
    this.touchedBalances.clear();
    this.timerWakeUps.clear();
  }

  /** Marks a grant's status (voided, expired) to be written with the flush. */
  closeGrant(grant: Grant, status: 'voided' | 'expired'): void {
    grant.status = status;
    this.touchedGrants.set(`${grant.account_id}\u0000${grant.id}`, grant);
  }
}
