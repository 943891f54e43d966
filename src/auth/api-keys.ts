import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { ApiKey } from '../db/schema.js';
import { SessionExpiredError } from '../errors.js';
import { isSessionToken, verifySessionToken } from './session-tokens.js';

export const scopes = ['service', 'support', 'finance', 'admin', 'customer', 'approver'] as const;
// Scopes only a browser session token holds (src/auth/session-tokens.ts), never an API key.
export const sessionScopes = ['wallet', 'wallet_recharge'] as const;
export type SessionScope = (typeof sessionScopes)[number];
export type Scope = (typeof scopes)[number] | SessionScope;

export interface NewApiKey {
  name: string;
  /** The person or service the key stands for; recorded as the actor of what it does. */
  subject: string;
  scopes: Scope[];
  accountId?: string | null | undefined;
}

export interface IssuedApiKey {
  id: string;
  token: string;
  scopes: Scope[];
  accountId: string | null;
}

const TOKEN = /^bd_([a-z]+)_([0-9a-f]{16})_([A-Za-z0-9]{32,})$/;

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function randomSecret(): string {
  // 32 chars of base62 from 24+ random bytes.
  return randomBytes(32)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 32)
    .padEnd(32, '0');
}

/**
 * Keys are `bd_<mode>_<id>_<secret>`. Only a SHA-256 of the secret is stored:
 * the secret has 190 bits of entropy, so a slow KDF would add cost, not safety.
 */
export async function createApiKey(db: Database, input: NewApiKey, token?: string): Promise<IssuedApiKey> {
  const sessionOnly = input.scopes.filter((s) => (sessionScopes as readonly string[]).includes(s));
  if (sessionOnly.length) throw new Error(`${sessionOnly.join(', ')}: only browser session tokens hold these scopes`);
  let idPart: string;
  let secret: string;
  if (token) {
    const match = TOKEN.exec(token);
    if (!match) throw new Error('token must look like bd_<mode>_<16 hex>_<32+ alphanumerics>');
    idPart = match[2]!;
    secret = match[3]!;
  } else {
    idPart = randomBytes(8).toString('hex');
    secret = randomSecret();
  }
  const id = `key_${idPart}`;
  await db
    .insertInto('api_keys')
    .values({
      id,
      name: input.name,
      subject: input.subject,
      secret_hash: hashSecret(secret),
      scopes: input.scopes,
      account_id: input.accountId ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return { id, token: token ?? `bd_live_${idPart}_${secret}`, scopes: input.scopes, accountId: input.accountId ?? null };
}

export interface Principal {
  keyId: string;
  subject: string;
  scopes: ReadonlySet<Scope>;
  accountId: string | null;
  /** Session tokens only: when it stops working. */
  expiresAt?: Date;
}

/** Verifies a bearer token; undefined for anything malformed, unknown, revoked or wrong. */
export async function verifyApiKey(db: Database, token: string): Promise<Principal | undefined> {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const row: ApiKey | undefined = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', `key_${match[2]}`)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const presented = hashSecret(match[3]!);
  if (!timingSafeEqual(presented, row.secret_hash)) return undefined;
  return { keyId: row.id, subject: row.subject, scopes: new Set(row.scopes as Scope[]), accountId: row.account_id };
}

/** Caches verified keys briefly so the hot path does not hit the database per request. */
export function createApiKeyVerifier(db: Database, ttlMs = 30_000) {
  const cache = new Map<string, { principal: Principal | undefined; until: number; expiredAt?: Date }>();
  return async (token: string): Promise<Principal | undefined> => {
    const now = Date.now();
    const hit = cache.get(token);
    if (hit && hit.until > now) {
      if (hit.expiredAt) throw new SessionExpiredError(hit.expiredAt);
      return hit.principal;
    }
    // Browser session tokens are verified beside API keys.
    const verified = isSessionToken(token)
      ? await verifySessionToken(db, token)
      : await verifyApiKey(db, token).then((p) => (p ? { principal: p } : undefined));
    const principal = verified && 'principal' in verified ? verified.principal : undefined;
    const expiredAt = verified && 'expiredAt' in verified ? verified.expiredAt : undefined;
    if (cache.size > 10_000) cache.clear();
    // Unknown tokens are cached for a shorter time so a new key works quickly; a session token no longer than it lives.
    const until = Math.min(now + (principal ? ttlMs : 2_000), principal?.expiresAt?.getTime() ?? Infinity);
    cache.set(token, { principal, until, ...(expiredAt && { expiredAt }) });
    if (expiredAt) throw new SessionExpiredError(expiredAt);
    return principal;
  };
}
