import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';
import { hashSecret, randomSecret, type Mode, type Principal, type SessionScope } from './api-keys.js';

/**
 * Browser session tokens (issue 15). A long-lived API key never reaches a
 * browser: the embedder's back end trades its service key for a token that is
 *   - short-lived (SESSION_TOKEN_TTL_SECONDS, at most an hour), so nothing has
 *     to revoke it: a leaked token dies on its own within the hour;
 *   - bound to one account (every other account is a 404 to it, as for any
 *     account-bound key);
 *   - allowed to read that account and buy credits (scope `wallet`), and to
 *     change auto-recharge only when the issuer asked (`wallet_recharge`).
 *     No API key can hold these scopes, and no route gives them more.
 *
 * Stored like API keys: `bds_<16 hex id>_<32 base62 secret>`, only a SHA-256
 * of the secret in `session_tokens`, so every API process sharing the
 * database verifies any token with no signing secret to distribute or rotate.
 * Times are the wall clock (infrastructure, like idempotency records), not the
 * ledger's clock.
 */
const TOKEN = /^bds_([0-9a-f]{16})_([A-Za-z0-9]{32})$/;

/** Expired tokens stay this long (for a clear "expired" answer), then issuing prunes them. */
const KEEP_EXPIRED_MS = 24 * 3_600_000;

export const isSessionToken = (token: string) => token.startsWith('bds_');

export interface NewSessionToken {
  accountId: string;
  scopes: SessionScope[];
  ttlSeconds: number;
  /** The key that asked for it (kept for the audit trail). */
  issuedByKeyId: string;
  /** The issuing key's mode: a session token inherits it. */
  mode: Mode;
  now?: Date;
}

export interface IssuedSessionToken {
  id: string;
  token: string;
  accountId: string;
  scopes: SessionScope[];
  expiresAt: Date;
}

export async function issueSessionToken(db: Database, input: NewSessionToken): Promise<IssuedSessionToken> {
  const now = input.now ?? new Date();
  const idPart = randomBytes(8).toString('hex');
  const secret = randomSecret();
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  await db
    .insertInto('session_tokens')
    .values({
      id: `sess_${idPart}`,
      account_id: input.accountId,
      secret_hash: hashSecret(secret),
      scopes: input.scopes,
      subject: `wallet:${input.accountId}`,
      issued_by_key_id: input.issuedByKeyId,
      mode: input.mode,
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  // Bounded housekeeping on the write path: no schedule needed to keep the table small.
  await db
    .deleteFrom('session_tokens')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('session_tokens')
        .select('id')
        .where('expires_at', '<', new Date(now.getTime() - KEEP_EXPIRED_MS))
        .limit(100),
    )
    .execute();
  return { id: `sess_${idPart}`, token: `bds_${idPart}_${secret}`, accountId: input.accountId, scopes: input.scopes, expiresAt };
}

export type SessionVerification = { principal: Principal } | { expiredAt: Date } | undefined;

/** A token's principal; its expiry when it has expired; undefined for anything malformed, unknown or wrong. */
export async function verifySessionToken(db: Database, token: string, now = new Date()): Promise<SessionVerification> {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const row = await db.selectFrom('session_tokens').selectAll().where('id', '=', `sess_${match[1]}`).executeTakeFirst();
  if (!row || !timingSafeEqual(hashSecret(match[2]!), row.secret_hash)) return undefined;
  if (row.expires_at <= now) return { expiredAt: row.expires_at };
  return {
    principal: {
      keyId: row.id,
      subject: row.subject,
      scopes: new Set(row.scopes as SessionScope[]),
      accountId: row.account_id,
      mode: row.mode,
      expiresAt: row.expires_at,
    },
  };
}
