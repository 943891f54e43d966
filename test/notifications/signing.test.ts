import { describe, expect, it } from 'vitest';
import { newEndpointSecret, signedHeaders, signingSecrets } from '../../src/notifications/signing.js';
import { verifyWebhook, WebhookVerificationError } from '../../src/notifications/verify.js';

const now = new Date('2026-03-01T12:00:00Z');
const body = JSON.stringify({ id: 'evt_1', type: 'balance.low', data: { available: '9.00' } });

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

describe('webhook signatures with the shipped verification helper', () => {
  const secret = newEndpointSecret();
  const headers = signedHeaders([secret], 'evt_1', now, body);

  it('accepts an untouched delivery and returns its body', () => {
    expect(verifyWebhook({ body, headers, secrets: secret, now: now.getTime() })).toEqual(JSON.parse(body));
    expect(verifyWebhook({ body: Buffer.from(body), headers, secrets: [secret], now: now.getTime() + 299_000 })).toEqual(JSON.parse(body));
  });

  it('rejects a tampered body, a changed id and a wrong secret', () => {
    expect(reason(() => verifyWebhook({ body: body.replace('9.00', '99.00'), headers, secrets: secret, now: now.getTime() }))).toBe(
      'bad_signature',
    );
    expect(reason(() => verifyWebhook({ body, headers: { ...headers, 'webhook-id': 'evt_2' }, secrets: secret, now: now.getTime() }))).toBe(
      'bad_signature',
    );
    expect(reason(() => verifyWebhook({ body, headers, secrets: newEndpointSecret(), now: now.getTime() }))).toBe('bad_signature');
  });

  it('rejects a stale (or future) timestamp, even with a valid signature', () => {
    expect(reason(() => verifyWebhook({ body, headers, secrets: secret, now: now.getTime() + 301_000 }))).toBe('stale_timestamp');
    expect(reason(() => verifyWebhook({ body, headers, secrets: secret, now: now.getTime() - 301_000 }))).toBe('stale_timestamp');
    const old = signedHeaders([secret], 'evt_1', new Date(now.getTime() - 3_600_000), body);
    expect(reason(() => verifyWebhook({ body, headers: old, secrets: secret, now: now.getTime() }))).toBe('stale_timestamp');
  });

  it('rejects missing headers', () => {
    expect(reason(() => verifyWebhook({ body, headers: { 'webhook-id': 'evt_1' }, secrets: secret, now: now.getTime() }))).toBe(
      'missing_headers',
    );
  });

  it('during a rotation both secrets sign, so receivers on either secret verify; after the grace only the new one does', () => {
    const oldSecret = newEndpointSecret();
    const newSecret = newEndpointSecret();
    const endpoint = { secret: newSecret, previous_secret: oldSecret, previous_secret_expires_at: new Date(now.getTime() + 3_600_000) };

    const during = signedHeaders(signingSecrets(endpoint, now), 'evt_1', now, body);
    expect(during['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifyWebhook({ body, headers: during, secrets: oldSecret, now: now.getTime() })).toBeTruthy();
    expect(verifyWebhook({ body, headers: during, secrets: newSecret, now: now.getTime() })).toBeTruthy();

    const later = new Date(now.getTime() + 7_200_000);
    const after = signedHeaders(signingSecrets(endpoint, later), 'evt_1', later, body);
    expect(after['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(reason(() => verifyWebhook({ body, headers: after, secrets: oldSecret, now: later.getTime() }))).toBe('bad_signature');
    expect(verifyWebhook({ body, headers: after, secrets: [oldSecret, newSecret], now: later.getTime() })).toBeTruthy();
  });
});
