import { writeAudit, type AuditContext } from '../audit/audit-log.js';
import type { Tx } from '../db/database.js';
import type { ApiKey } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { requireAccount, type LedgerDeps } from '../ledger/index.js';
import { createApiKey, normalizeSubject, notifyKeyChanged, rollApiKeySecret, type Mode, type Scope } from './api-keys.js';

/**
 * API key management (R-S1): create, list, read, revoke, roll. Admin only
 * (the routes say so); every change is audited in its own transaction, and
 * revocations and rolls reach every API process through NOTIFY.
 */
export interface ApiKeyServiceDeps {
  ledger: LedgerDeps;
}

export interface ApiKeyView {
  id: string;
  name: string;
  subject: string;
  scopes: string[];
  accountId: string | null;
  mode: Mode;
  status: 'active' | 'revoked' | 'expired';
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  /** After a roll: until when the previous secret still works. */
  previousSecretExpiresAt: string | null;
}

/** The longest a rolled key's old secret may stay valid (as Stripe allows). */
export const MAX_ROLL_OVERLAP_MS = 7 * 86_400_000;

function view(row: ApiKey, now: Date): ApiKeyView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const live = row.previous_expires_at !== null && row.previous_expires_at > now ? row.previous_expires_at : null;
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    scopes: row.scopes,
    accountId: row.account_id,
    mode: row.mode,
    status: row.revoked_at ? 'revoked' : row.expires_at && row.expires_at <= now ? 'expired' : 'active',
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    revokedBy: row.revoked_by,
    previousSecretExpiresAt: iso(live),
  };
}

async function findKey(db: LedgerDeps['db'] | Tx, id: string, lock = false): Promise<ApiKey> {
  let query = db.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new NotFoundError('API key', id);
  return row;
}

export interface NewKeyRequest {
  name: string;
  subject: string;
  scopes: Scope[];
  accountId?: string | undefined;
  /** Default: the caller's mode. A test-mode caller makes test keys only. */
  mode?: Mode | undefined;
  expiresAt?: Date | undefined;
}

/** Keys of the other mode do not exist for a test-mode caller; a live admin manages both (it made the first test keys). */
function visibleTo(callerMode: Mode, row: ApiKey): boolean {
  return callerMode === 'live' || row.mode === callerMode;
}

/** A new key; its token is in this answer only. */
export async function issueApiKey(deps: ApiKeyServiceDeps, request: NewKeyRequest, callerMode: Mode, audit: AuditContext) {
  const now = deps.ledger.clock();
  const mode = request.mode ?? callerMode;
  if (callerMode === 'test' && mode !== 'test') {
    throw new ValidationError('A test-mode key makes test-mode keys only', [{ path: 'mode', message: 'must be test with a test key' }]);
  }
  if (request.scopes.includes('customer') && !request.accountId) {
    throw new ValidationError('A customer key is bound to one account', [
      { path: 'accountId', message: 'required with the customer scope' },
    ]);
  }
  if (request.expiresAt && request.expiresAt <= now) {
    throw new ValidationError('The key would be expired already', [{ path: 'expiresAt', message: 'must be in the future' }]);
  }
  if (request.accountId) {
    // An account of the other mode does not exist for the key (src/api/route-access.ts): refuse to bind to it.
    const account = await requireAccount(deps.ledger.db, request.accountId);
    if (account.mode !== mode) throw new NotFoundError('account', request.accountId);
  }
  return inTransaction(deps.ledger.db, async (tx) => {
    const issued = await createApiKey(tx, { ...request, mode, createdBy: audit.actor });
    const created = view(await findKey(tx, issued.id), now);
    await writeAudit(tx, {
      ...audit,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: issued.id,
      accountId: issued.accountId,
      after: created,
      occurredAt: now,
    });
    return { ...created, token: issued.token };
  });
}

export async function apiKeys(
  deps: ApiKeyServiceDeps,
  page: { limit: number; after?: string | undefined; accountId?: string | undefined; mode: Mode },
) {
  let query = deps.ledger.db.selectFrom('api_keys').selectAll().where('mode', '=', page.mode);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.accountId) query = query.where('account_id', '=', page.accountId);
  const rows = await query.orderBy('id').limit(page.limit).execute();
  const now = deps.ledger.clock();
  return rows.map((r) => view(r, now));
}

export async function apiKeyById(deps: ApiKeyServiceDeps, id: string, callerMode: Mode): Promise<ApiKeyView> {
  const row = await findKey(deps.ledger.db, id);
  if (!visibleTo(callerMode, row)) throw new NotFoundError('API key', id);
  return view(row, deps.ledger.clock());
}

/** Revokes a key: refused on its next request in every API process (NOTIFY on commit). Revoking again changes nothing. */
export async function revokeApiKey(deps: ApiKeyServiceDeps, id: string, callerMode: Mode, audit: AuditContext): Promise<ApiKeyView> {
  const now = deps.ledger.clock();
  return inTransaction(deps.ledger.db, async (tx) => {
    const row = await findKey(tx, id, true);
    if (!visibleTo(callerMode, row)) throw new NotFoundError('API key', id);
    if (row.revoked_at) return view(row, now);
    await tx.updateTable('api_keys').set({ revoked_at: now, revoked_by: audit.actor }).where('id', '=', id).execute();
    await notifyKeyChanged(tx, id);
    const after = view(await findKey(tx, id), now);
    await writeAudit(tx, {
      ...audit,
      action: 'api_key.revoke',
      targetType: 'api_key',
      targetId: id,
      accountId: row.account_id,
      before: view(row, now),
      after,
      occurredAt: now,
    });
    return after;
  });
}

/** A new secret for the key; the old one works until `expiresOldAt` (default: at once, at most 7 days ahead). */
export async function rollApiKey(
  deps: ApiKeyServiceDeps,
  id: string,
  expiresOldAt: Date | undefined,
  callerMode: Mode,
  audit: AuditContext,
) {
  const now = deps.ledger.clock();
  const oldUntil = expiresOldAt ?? now;
  if (oldUntil.getTime() > now.getTime() + MAX_ROLL_OVERLAP_MS) {
    throw new ValidationError('The old secret may stay valid at most 7 days', [
      { path: 'expiresOldAt', message: 'at most 7 days from now' },
    ]);
  }
  return inTransaction(deps.ledger.db, async (tx) => {
    const row = await findKey(tx, id, true);
    if (row.revoked_at || !visibleTo(callerMode, row)) throw new NotFoundError('API key', id);
    const token = await rollApiKeySecret(tx, row, oldUntil < now ? now : oldUntil);
    const after = view(await findKey(tx, id), now);
    await writeAudit(tx, {
      ...audit,
      action: 'api_key.roll',
      targetType: 'api_key',
      targetId: id,
      accountId: row.account_id,
      before: view(row, now),
      after,
      occurredAt: now,
    });
    return { ...after, token };
  });
}

export { normalizeSubject };
