import { createHash } from 'node:crypto';

/** The fields of an entry that its hash covers, in a fixed order. */
export interface HashedEntryFields {
  account_id: string;
  credit_type: string;
  seq: bigint;
  transaction_id: string;
  entry_type: string;
  amount: bigint;
  balance_before: bigint;
  balance_after: bigint;
  held_after: bigint;
  grant_id: string | null;
  grant_remaining_before: bigint | null;
  grant_remaining_after: bigint | null;
  hold_id: string | null;
  initiator_account_id: string;
  actor: string;
  reason: string | null;
  feature: string | null;
  usage_event_id: string | null;
  idempotency_key: string | null;
  metadata: string;
  created_at: Date;
}

/**
 * Tamper evidence (R-A3): each entry's hash covers its fields and the previous
 * entry's hash in the same (account, credit type) chain, so editing or removing
 * any entry breaks every hash after it.
 */
export function entryHash(prevHash: Buffer | null, entry: HashedEntryFields): Buffer {
  const canonical = JSON.stringify([
    entry.account_id,
    entry.credit_type,
    entry.seq.toString(),
    entry.transaction_id,
    entry.entry_type,
    entry.amount.toString(),
    entry.balance_before.toString(),
    entry.balance_after.toString(),
    entry.held_after.toString(),
    entry.grant_id,
    entry.grant_remaining_before?.toString() ?? null,
    entry.grant_remaining_after?.toString() ?? null,
    entry.hold_id,
    entry.initiator_account_id,
    entry.actor,
    entry.reason,
    entry.feature,
    entry.usage_event_id,
    entry.idempotency_key,
    entry.metadata,
    entry.created_at.toISOString(),
  ]);
  return createHash('sha256')
    .update(prevHash ?? Buffer.alloc(32))
    .update(canonical)
    .digest();
}

/**
 * JSON with object keys sorted by UTF-16 code unit at every depth, so a jsonb
 * round trip hashes the same, and the same bytes as the SQL writer
 * (ledger_canonical_json). Built by hand: a JavaScript object puts
 * integer-like keys ("9", "10") first in numeric order whatever order they are
 * added in, so sorting entries into a new object cannot give this order.
 * Everything else is JSON.stringify's: toJSON is used, undefined members are
 * dropped, undefined in an array is null.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) as string;
}

function canonical(value: unknown): string | undefined {
  const plain = value !== null && typeof value === 'object' && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value;
  if (plain === null || typeof plain !== 'object') return JSON.stringify(plain);
  if (Array.isArray(plain)) return `[${plain.map((item) => canonical(item) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const [key, inner] of Object.entries(plain).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = canonical(inner);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
