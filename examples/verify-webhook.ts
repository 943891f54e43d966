/**
 * A minimal Burndown webhook receiver: verifies each delivery with the shipped
 * helper (src/notifications/verify.ts) over the RAW body, deduplicates on the
 * event id and orders one account's events by `sequence`.
 *
 *   npx tsx examples/verify-webhook.ts whsec_…[,whsec_…]   # listens on :4000
 */
import { createServer } from 'node:http';
import type { EventEnvelope } from '../src/notifications/catalog.js';
import { verifyWebhook, WebhookVerificationError } from '../src/notifications/verify.js';

// Two secrets while you rotate: the old one and the new one.
const secrets = (process.argv[2] ?? '').split(',').filter(Boolean);
const seen = new Set<string>();
const lastSequence = new Map<string, bigint>();

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const event = verifyWebhook<EventEnvelope>({ body: Buffer.concat(chunks), headers: req.headers, secrets });
      if (!seen.has(event.id)) {
        seen.add(event.id);
        const key = event.accountId ?? '-';
        const sequence = BigInt(event.sequence);
        const stale = (lastSequence.get(key) ?? -1n) > sequence;
        if (!stale) lastSequence.set(key, sequence);
        console.log(`${event.type} for ${key} (#${event.sequence}${stale ? ', older than one already seen' : ''})`, event.data);
      }
      res.statusCode = 204; // 2xx quickly; do slow work after answering
    } catch (error) {
      res.statusCode = error instanceof WebhookVerificationError ? 400 : 500;
    }
    res.end();
  });
}).listen(4000);
