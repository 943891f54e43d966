import { z } from 'zod';
import { creditLimitsJson, positiveInt, variable } from './variable-spec.js';

const base64Key = z
  .string()
  .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)')
  .optional();

/** Security settings (issue 14, docs/SECURITY.md): rate limits, webhook targets, keys that never live in the database. */
export const securityVariables = {
  RATE_LIMIT_PER_KEY_PER_SECOND: variable(
    positiveInt.default(10_000),
    '2000',
    'Mutating requests (and exports, weighted) per API key per second, in-process token bucket; beyond it 429 with Retry-After.',
  ),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: variable(
    positiveInt.default(60),
    '30',
    'Failed authentications per source address per minute; beyond it requests from that address without a known-good key get 429.',
  ),
  RATE_LIMIT_MAX_TRACKED: variable(
    positiveInt.default(100_000),
    '500000',
    'Buckets each rate limiter keeps (least recently used first out): memory stays bounded whatever the traffic.',
  ),
  API_KEY_CACHE_SIZE: variable(
    positiveInt.default(10_000),
    '50000',
    'Verified API keys each API process caches (only verified ones; revocation reaches every process through LISTEN/NOTIFY).',
  ),
  WEBHOOK_ALLOW_PRIVATE_HOSTS: variable(
    z
      .string()
      .default('')
      .transform((s) =>
        s
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      ),
    '127.0.0.1,localhost',
    'Development only: hosts or addresses that webhook endpoints may use although they are private (empty: none).',
  ),
  WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT: variable(
    positiveInt.default(16),
    '50',
    'Live webhook endpoints one account may have (and the operator’s global ones, together).',
  ),
  SECRETS_ENCRYPTION_KEY: variable(
    base64Key,
    'q3V1…= (32 bytes, base64)',
    'AES-256-GCM key that encrypts webhook signing secrets at rest; never stored in the database. Required in production; a fixed development key otherwise.',
  ),
  LEDGER_ANCHOR_KEY: variable(
    base64Key,
    'zX9k…= (32 bytes, base64)',
    'HMAC-SHA256 key of the ledger anchors (chain heads recorded by a Schedule); never stored in the database nor logged. Required in production; a fixed development key otherwise. Changing it makes older anchors fail verification (see docs/SECURITY.md).',
  ),
  LEDGER_ANCHOR_INTERVAL_SECONDS: variable(positiveInt.default(3600), '600', 'How often the Schedule anchors the ledger’s chain heads.'),
  GRANT_DAILY_LIMITS: variable(
    creditLimitsJson('{"support":"2000"}'),
    '{"support":"5000"}',
    'JSON: per scope, the credits one person may grant one account within 24 hours without approval (rolling); beyond it the grant asks for approval.',
  ),
} as const;
