import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (webhook signing secrets): AES-256-GCM under a key from
 * the configuration (SECRETS_ENCRYPTION_KEY), never from the database, so a
 * copy of the database alone does not let anyone sign webhooks. Stored as
 * `enc:v1:<base64 of iv ‖ tag ‖ ciphertext>`; the row id is bound in as
 * additional data, so a sealed secret moved to another row does not open.
 */
const PREFIX = 'enc:v1:';

/** Development and tests only: a fixed key (production refuses to start without its own, see config.ts). */
const developmentKey = (purpose: string) => createHash('sha256').update(`burndown development ${purpose} key, not secret`).digest();

export function secretsKeyOf(config: { SECRETS_ENCRYPTION_KEY?: string | undefined }): Buffer {
  return config.SECRETS_ENCRYPTION_KEY ? Buffer.from(config.SECRETS_ENCRYPTION_KEY, 'base64') : developmentKey('secrets');
}

export function anchorKeyOf(config: { LEDGER_ANCHOR_KEY?: string | undefined }): Buffer {
  return config.LEDGER_ANCHOR_KEY ? Buffer.from(config.LEDGER_ANCHOR_KEY, 'base64') : developmentKey('ledger anchor');
}

export function sealSecret(key: Buffer, plaintext: string, boundTo: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Opens a sealed secret; a value stored before encryption (no prefix) is returned as it is. */
export function openSecret(key: Buffer, stored: string, boundTo: string): string {
  if (!stored.startsWith(PREFIX)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

export const isSealed = (stored: string) => stored.startsWith(PREFIX);
