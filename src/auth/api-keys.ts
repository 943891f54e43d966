import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, Tx } from '../db/database.js';
import type { ApiKey, Mode } from '../db/schema.js';

export type { Mode } from '../db/schema.js';
export const modes = ['live', 'test'] as const satisfies readonly Mode[];

export const scopes = ['service', 'support', 'finance', 'admin', 'customer', 'approver', 'payments'] as const;
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
  /** Live (the default) or test: which mode's data the key reaches. */
  mode?: Mode | undefined;
  expiresAt?: Date | null | undefined;
  createdBy?: string | null | undefined;
}

export interface IssuedApiKey {
  id: string;
  token: string;
  scopes: Scope[];
  accountId: string | null;
  mode: Mode;
}

const TOKEN = /^bd_(live|test)_([0-9a-f]{16})_([A-Za-z0-9]{32,})$/;
/** Revocations and rolls are announced on this channel; every API process drops the key from its cache. */
export const API_KEY_CHANNEL = 'burndown_api_keys';

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
 * Subjects name people and services; they decide who may approve what
 * (nobody approves their own request), so they are compared normalized:
 * trimmed, Unicode NFKC, lower case.
 */
export function normalizeSubject(subject: string): string {
  return subject.normalize('NFKC').trim().toLowerCase();
}

/** A key presented after its expiry (or its rolled secret's): refused with a problem that says so. */
export class ExpiredKeyError extends Error {
  constructor(
    readonly keyId: string,
    readonly expiredAt: Date,
  ) {
    super(`API key ${keyId} expired at ${expiredAt.toISOString()}`);
    this.name = 'ExpiredKeyError';
  }
}

/**
 * Keys are `bd_<mode>_<id>_<secret>`. Only a SHA-256 of the secret is stored:
 * the secret has 190 bits of entropy, so a slow KDF would add cost, not safety.
 */
export async function createApiKey(db: Database | Tx, input: NewApiKey, token?: string): Promise<IssuedApiKey> {
  const sessionOnly = input.scopes.filter((s) => (sessionScopes as readonly string[]).includes(s));
  if (sessionOnly.length) throw new Error(`${sessionOnly.join(', ')}: only browser session tokens hold these scopes`);
  let idPart: string;
  let secret: string;
  if (token) {
    const match = TOKEN.exec(token);
    if (!match) throw new Error('token must look like bd_<live|test>_<16 hex>_<32+ alphanumerics>');
    if (match[1] !== (input.mode ?? 'live')) throw new Error(`token is bd_${match[1]}_… but the key's mode is ${input.mode ?? 'live'}`);
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
      subject: normalizeSubject(input.subject),
      secret_hash: hashSecret(secret),
      scopes: input.scopes,
      account_id: input.accountId ?? null,
      mode: input.mode ?? 'live',
      expires_at: input.expiresAt ?? null,
      created_by: input.createdBy ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const mode = input.mode ?? 'live';
  return { id, token: token ?? `bd_${mode}_${idPart}_${secret}`, scopes: input.scopes, accountId: input.accountId ?? null, mode };
}

/**
 * A new secret for a key (Stripe's key rolling): the old secret keeps working
 * until `oldExpiresAt` (now: at once). Announced to every API process.
 */
export async function rollApiKeySecret(tx: Tx, row: ApiKey, oldExpiresAt: Date): Promise<string> {
  const secret = randomSecret();
  await tx
    .updateTable('api_keys')
    .set({ secret_hash: hashSecret(secret), previous_secret_hash: row.secret_hash, previous_expires_at: oldExpiresAt })
    .where('id', '=', row.id)
    .execute();
  await notifyKeyChanged(tx, row.id);
  return `bd_${row.mode}_${row.id.slice('key_'.length)}_${secret}`;
}

/** Tells every API process (LISTEN) to drop the key from its cache, when the transaction commits. */
export async function notifyKeyChanged(tx: Tx | Database, keyId: string): Promise<void> {
  await tx.selectNoFrom((eb) => eb.fn('pg_notify', [eb.val(API_KEY_CHANNEL), eb.val(keyId)]).as('notified')).execute();
}

export interface Principal {
  keyId: string;
  /** Normalized (normalizeSubject). */
  subject: string;
  scopes: ReadonlySet<Scope>;
  accountId: string | null;
  /** Which mode's data the key reaches: every account of the other mode is a 404 to it (src/api/route-access.ts). */
  mode: Mode;
  /** Session tokens only: when it stops working. */
  expiresAt?: Date;
}

export interface VerifiedKey {
  principal: Principal;
  /** When the presented secret stops working (the key's expiry, or a rolled secret's), if ever. */
  validUntil: Date | null;
}

const earliest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/**
 * Verifies a bearer token: undefined for anything malformed, unknown, revoked
 * or wrong; ExpiredKeyError for a key (or rolled secret) past its time.
 */
export async function verifyApiKey(db: Database, token: string, now = new Date()): Promise<VerifiedKey | undefined> {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const row: ApiKey | undefined = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', `key_${match[2]}`)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  // The mode is part of the token: a test token never passes for its live twin, and the other way round.
  if (!row || row.mode !== match[1]) return undefined;
  const presented = hashSecret(match[3]!);
  let validUntil: Date | null;
  if (timingSafeEqual(presented, row.secret_hash)) validUntil = row.expires_at;
  else if (row.previous_secret_hash && timingSafeEqual(presented, row.previous_secret_hash)) {
    validUntil = earliest(row.expires_at, row.previous_expires_at);
  } else return undefined;
  if (validUntil !== null && validUntil <= now) throw new ExpiredKeyError(row.id, validUntil);
  return {
    principal: { keyId: row.id, subject: row.subject, scopes: new Set(row.scopes as Scope[]), accountId: row.account_id, mode: row.mode },
    validUntil,
  };
}

export { createApiKeyVerifier } from './key-verifier.js';
