import { Signature } from '@hubspot/api-client';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.js';

/** HubSpot rejects (and so do we) v3 requests older than five minutes. */
export const MAX_SIGNATURE_AGE_MS = 300_000;

/**
 * HubSpot webhook signature v3: base64 HMAC-SHA256, keyed by the app's client
 * secret, over method + full URL + raw body + timestamp. The SDK computes it;
 * the comparison is constant-time and the age check uses our clock.
 */
export function verifyHubSpotSignatureV3(input: {
  method: string;
  url: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  secret: string;
  now: Date;
}): boolean {
  if (!input.signature || !input.timestamp || !/^\d+$/.test(input.timestamp)) return false;
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.now.getTime() - timestamp) > MAX_SIGNATURE_AGE_MS) return false;
  const expected = Buffer.from(
    Signature.getSignature(input.method, 'v3', {
      signature: '',
      clientSecret: input.secret,
      requestBody: input.rawBody,
      url: input.url,
      method: input.method,
      timestamp,
    }),
  );
  const given = Buffer.from(input.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface HubSpotWebhookEvent {
  subscriptionType: string;
  objectId: number | string;
  propertyName?: string;
  propertyValue?: string;
}

/**
 * Inbound (HubSpot → Burndown): a company's domain and owner are HubSpot's;
 * they update the account's link. Everything else flows Burndown → HubSpot.
 * A deleted company unlinks the account (or falls back to its domain).
 */
export async function applyHubSpotEvents(
  db: Database,
  events: HubSpotWebhookEvent[],
  now: Date,
): Promise<{ applied: number; ignored: number }> {
  let applied = 0;
  for (const event of events) {
    const companyId = String(event.objectId);
    let result;
    if (event.subscriptionType === 'company.propertyChange' && event.propertyName === 'domain') {
      result = await db
        .updateTable('crm_links')
        .set({ domain: event.propertyValue || null, updated_at: now })
        .where('company_id', '=', companyId)
        .executeTakeFirst();
    } else if (event.subscriptionType === 'company.propertyChange' && event.propertyName === 'hubspot_owner_id') {
      result = await db
        .updateTable('crm_links')
        .set({ owner_id: event.propertyValue || null, updated_at: now })
        .where('company_id', '=', companyId)
        .executeTakeFirst();
    } else if (event.subscriptionType === 'company.deletion') {
      await db.deleteFrom('crm_links').where('company_id', '=', companyId).where('domain', 'is', null).execute();
      result = await db
        .updateTable('crm_links')
        .set({ company_id: null, updated_at: now })
        .where('company_id', '=', companyId)
        .executeTakeFirst();
    }
    if (result && result.numUpdatedRows > 0n) applied += 1;
  }
  return { applied, ignored: events.length - applied };
}

/**
 * Replay protection of signed inbound deliveries: a signature is accepted
 * once. HubSpot signs each delivery with a fresh timestamp, so a second
 * request with the same signature within the five minutes it is valid is a
 * replay (a captured request sent again). Digests older than that window are
 * pruned as new ones arrive: a replay after it fails the timestamp check.
 */
export async function firstDeliveryOf(db: Database, signature: string, now: Date): Promise<boolean> {
  const digest = createHash('sha256').update(signature).digest('hex');
  await db
    .deleteFrom('crm_inbound_deliveries')
    .where('received_at', '<', new Date(now.getTime() - 2 * MAX_SIGNATURE_AGE_MS))
    .execute();
  const inserted = await db
    .insertInto('crm_inbound_deliveries')
    .values({ signature_digest: digest, received_at: now })
    .onConflict((oc) => oc.column('signature_digest').doNothing())
    .returning('signature_digest')
    .executeTakeFirst();
  return inserted !== undefined;
}
