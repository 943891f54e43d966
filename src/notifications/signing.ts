import { randomBytes } from 'node:crypto';
import { computeSignature, SECRET_PREFIX } from './verify.js';

/** A new endpoint secret: whsec_ + 32 random bytes in base64. */
export function newEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign right now: the current one, and the previous one while its rotation grace lasts. */
export function signingSecrets(
  endpoint: { secret: string; previous_secret: string | null; previous_secret_expires_at: Date | null },
  now: Date,
): string[] {
  const previousLive =
    endpoint.previous_secret !== null && endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > now;
  return previousLive ? [endpoint.secret, endpoint.previous_secret!] : [endpoint.secret];
}

/** The Standard Webhooks headers for one attempt, signed by every given secret. */
export function signedHeaders(secrets: readonly string[], id: string, now: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => `v1,${computeSignature(secret, id, timestamp, body)}`).join(' '),
  };
}
