import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import { resolveCreditType, spendingRoomSql, toUnits, type LedgerDeps, type SpendingRoomRow } from '../ledger/index.js';
import { formatAmount } from '../money/amount.js';
import type { EnforcementMode } from '../settings/enforcement.js';
import type { LiveEnforcement } from '../settings/live-enforcement.js';
import { effectiveMode } from './enforcement.js';

/**
 * R-C8 on every path: POST /v1/accounts/{id}/deduct and /holds run in the
 * account's mode as consumptions do (effectiveMode: the global kill switch,
 * else the account's own mode, else the global one with its rollout). Only
 * enforce reaches the ledger. Shadow writes nothing to balances and records
 * in shadow_entries what enforce would have done (would_block: it would have
 * answered 402); off records nothing. Neither ever refuses for lack of credits.
 */
export async function directMode(enforcement: LiveEnforcement, accountId: string): Promise<EnforcementMode> {
  const settings = enforcement.current();
  if (settings.mode === 'off') return 'off';
  const own = await enforcement.accountMode(accountId); // memory, after the account's first request
  return effectiveMode(
    { id: accountId, enforcement_mode: own },
    { enforcementMode: settings.mode, enforcementRolloutPercent: settings.rolloutPercent },
  );
}

export interface UnenforcedRequest {
  kind: 'deduct' | 'hold';
  accountId: string;
  creditType: string;
  amount: string;
  feature?: string | undefined;
  /** The request's ledger idempotency key: one shadow entry per request, whatever retries happen. */
  key: string;
}

export interface Unenforced {
  enforcementMode: 'shadow' | 'off';
  creditType: string;
  requested: string;
  /** Zero at the credit type's precision: nothing reached the ledger. */
  deducted: string;
  /** What the account could spend at that moment (the balance's available) and its overdraft used. */
  balance: { available: string; overdraftUsed: string };
  /** Whether enforce would have refused it (402): more than the grants and the overdraft room. */
  wouldBlock: boolean;
}

async function roomOf(db: Database, accountId: string, creditType: string, now: Date) {
  const { rows } = await sql<{ room: SpendingRoomRow[] }>`
    select ${spendingRoomSql(sql.ref('a.id'), [creditType], now)} as room from accounts a where a.id = ${accountId}`.execute(db);
  const row = rows[0]?.room.find((r) => r[0] === creditType);
  if (!rows[0] || !row) throw new NotFoundError('account', accountId);
  const [, spendable, debt, overdraftLimit] = row.map((v, i) => (i === 0 ? 0n : BigInt(v))) as [bigint, bigint, bigint, bigint];
  return { available: spendable - debt, debt, room: spendable - debt + overdraftLimit };
}

/** A deduct or hold in shadow or off mode: validated as enforce would, never in the ledger. */
export async function runUnenforced(ledger: LedgerDeps, mode: 'shadow' | 'off', request: UnenforcedRequest): Promise<Unenforced> {
  const creditType = await resolveCreditType(ledger, request.creditType);
  const amount = toUnits(creditType, request.amount, 'amount');
  const now = ledger.clock();
  const { available, debt, room } = await roomOf(ledger.db, request.accountId, creditType.id, now);
  const wouldBlock = amount > room;
  if (mode === 'shadow') {
    await ledger.db
      .insertInto('shadow_entries')
      .values({
        account_id: request.accountId,
        source: request.kind,
        source_id: request.key,
        step: request.kind,
        credit_type: creditType.id,
        amount,
        available,
        would_block: wouldBlock,
        pricing_version: null,
        rating: null,
        feature: request.feature ?? null,
        created_at: now,
      })
      .onConflict((oc) => oc.constraint('shadow_entries_step_uq').doNothing())
      .execute();
  }
  return {
    enforcementMode: mode,
    creditType: creditType.id,
    requested: formatAmount(amount, creditType.precision),
    deducted: formatAmount(0n, creditType.precision),
    balance: { available: formatAmount(available, creditType.precision), overdraftUsed: formatAmount(debt, creditType.precision) },
    wouldBlock,
  };
}
