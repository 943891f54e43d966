import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import { listenToChannel } from '../db/listener.js';
import type { Logger } from '../logger.js';
import { SessionExpiredError } from '../errors.js';
import { API_KEY_CHANNEL, verifyApiKey, type Principal, type VerifiedKey } from './api-keys.js';
import { isSessionToken, verifySessionToken } from './session-tokens.js';

/** A browser session token (bds_…), verified beside API keys: cached until it expires, refused as expired after. */
async function verifySession(db: Database, token: string, now: Date): Promise<VerifiedKey | undefined> {
  const verified = await verifySessionToken(db, token, now);
  if (!verified) return undefined;
  if ('expiredAt' in verified) throw new SessionExpiredError(verified.expiredAt);
  return { principal: verified.principal, validUntil: verified.principal.expiresAt ?? null };
}

export interface ApiKeyVerifier {
  (token: string): Promise<Principal | undefined>;
  /** Drops a key from this process's cache at once (the revoking process does not wait for its own NOTIFY). */
  evict(keyId: string): void;
  /** Whether a token is cached as verified (a known-good key): such a caller is never throttled for others' failures. */
  isKnownGood(token: string): boolean;
  /** Stops listening. */
  close(): Promise<void>;
}

export interface VerifierOptions {
  /** PostgreSQL to LISTEN on for revocations. Without it nothing is cached: every request is verified in the database. */
  listenUrl?: string | undefined;
  maxEntries?: number;
  logger?: Logger | undefined;
  /** Safety net: even with LISTEN, a cached key is verified again after this long. */
  ttlMs?: number;
  /** The listening session's application_name (an API process's presence: apiSessionName in src/api/idempotency.ts). */
  sessionName?: string;
}

/**
 * The API-key check of the hot path. Verified keys are cached so a request
 * costs no database round trip; only verified keys are cached, in a bounded
 * LRU, so a flood of made-up tokens evicts nothing good (it costs one
 * primary-key lookup each, and the failed-authentication limit bounds it).
 *
 * Revocation is effective on the next request in every API process: revoking
 * or rolling a key NOTIFYs API_KEY_CHANNEL in the same transaction, and each
 * process LISTENs on its own connection and drops the key. While that
 * connection is down the cache is flushed, and keys verified meanwhile are
 * cached for DEGRADED_TTL_MS only (a revocation then takes effect within a
 * second), so an outage of the listener (e.g. PostgreSQL backends being
 * killed) does not also put a database round trip on every request.
 */
const DEGRADED_TTL_MS = 1000;
export function createApiKeyVerifier(db: Database, options: VerifierOptions = {}): ApiKeyVerifier {
  const cache = new LRUCache<string, VerifiedKey>({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 300_000 });
  const evict = (keyId: string) => {
    for (const [token, entry] of cache.entries()) if (entry.principal.keyId === keyId) cache.delete(token);
  };
  const listener =
    options.listenUrl === undefined
      ? undefined
      : listenToChannel({
          url: options.listenUrl,
          channel: API_KEY_CHANNEL,
          applicationName: options.sessionName ?? 'burndown-api-key-listener',
          onNotify: (keyId) => keyId && evict(keyId),
          onListening: () => cache.clear(), // anything announced while we were not listening is gone
          onLost: (why) => {
            cache.clear();
            options.logger?.warn({ err: why }, 'api-key revocation listener lost; cache flushed, keys cached for 1 s until it is back');
          },
        });
  const listening = () => listener?.listening() ?? false;

  const verify = async (token: string): Promise<Principal | undefined> => {
    const now = new Date();
    const hit = cache.get(token);
    if (hit && (hit.validUntil === null || hit.validUntil > now)) return hit.principal;
    if (hit) cache.delete(token);
    const verified = isSessionToken(token) ? await verifySession(db, token, now) : await verifyApiKey(db, token, now);
    // Without the listener a revocation could go unheard: cache briefly (DEGRADED_TTL_MS), so a revoked key is refused within it.
    if (verified) cache.set(token, verified, listening() ? {} : { ttl: DEGRADED_TTL_MS });
    return verified?.principal;
  };
  return Object.assign(verify, {
    evict,
    isKnownGood: (token: string) => cache.has(token),
    async close() {
      await listener?.close();
    },
  });
}
