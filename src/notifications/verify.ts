import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signature verification for receivers of Burndown webhooks. This file
 * depends on nothing but node:crypto: copy it into your service, or import it.
 *
 * Burndown signs the Standard Webhooks way (https://www.standardwebhooks.com):
 *
 *   webhook-id:        the event id (stable across retries: deduplicate on it)
 *   webhook-timestamp: Unix seconds when this attempt was sent
 *   webhook-signature: "v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${rawBody}`)>"
 *                      — one entry per active secret, separated by spaces; during
 *                      a secret rotation both the old and the new secret sign.
 *
 * The key is the base64 part of the endpoint secret (`whsec_<base64>`). Verify
 * over the RAW request body bytes, before any JSON parsing.
 */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export const SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SECONDS = 300;

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The base64 HMAC-SHA256 of one message under one secret. */
export function computeSignature(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

export interface VerifyOptions {
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  headers: HeaderBag;
  /** Your endpoint secret; give two during your own rotation window. */
  secrets: string | readonly string[];
  /** Reject attempts whose timestamp is further than this from now (replay protection). */
  toleranceSeconds?: number;
  /** Now, in ms since the epoch (tests). */
  now?: number;
}

/** Verifies a delivery and returns its parsed JSON body; throws WebhookVerificationError otherwise. */
export function verifyWebhook<T = unknown>(options: VerifyOptions): T {
  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookVerificationError('stale_timestamp', `webhook-timestamp is more than ${tolerance}s from now`);
  }
  const given = signatures
    .split(' ')
    .map((s) => s.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value!, 'base64'));
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : options.secrets;
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(computeSignature(secret, id, timestamp, options.body), 'base64');
    return given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!matches) throw new WebhookVerificationError('bad_signature', 'no webhook-signature matches the body under the given secret(s)');
  const text = typeof options.body === 'string' ? options.body : options.body.toString('utf8');
  return JSON.parse(text) as T;
}
