import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import type { Logger } from '../logger.js';

/**
 * Stripe's test mode, offline, for the sandbox of `npm start` (R-O3).
 *
 * stripe-mock, Stripe's official mock, answers every request validated
 * against Stripe's OpenAPI spec, but statelessly: a PaymentIntent never
 * succeeds, so a purchase would stay pending forever. This proxy in front of
 * it adds what test mode does with a test card, and nothing else:
 * - a PaymentIntent confirmed with a payment method (off-session: a purchase
 *   with a saved card, an auto-recharge) succeeds at once;
 * - one that waits for the customer (the client-secret flow) is paid by the
 *   simulated customer CUSTOMER_PAYS_AFTER_MS later;
 * - each succeeded PaymentIntent is announced by a `payment_intent.succeeded`
 *   event, signed with the webhook secret the API verifies, POSTed to the
 *   API's own /v1/webhooks/stripe: the production path (signature check,
 *   grant, workflow signal) runs, as it does with Stripe;
 * - PaymentIntents keep their metadata and state (retrieve, cancel), and an
 *   Idempotency-Key replays its first answer, as on Stripe.
 * Live keys are refused: it only ever stands in for test mode.
 */
export interface StripeSimulator {
  /** The Stripe API base to point the SDK at (STRIPE_API_BASE). */
  url: string;
  /** Where the events go: the API's base URL, known once it listens; events made before wait for it. */
  deliverTo(apiUrl: string): void;
  stop(): Promise<void>;
}

export const CUSTOMER_PAYS_AFTER_MS = 1_000;

type Intent = Record<string, unknown> & { id: string; amount: number; status: string; metadata: Record<string, string> };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `metadata[key]=value` pairs of a form-encoded Stripe request (stripe-mock does not echo them). */
function metadataOf(form: URLSearchParams): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of form) {
    const key = /^metadata\[(.+)\]$/.exec(name)?.[1];
    if (key) metadata[key] = value;
  }
  return metadata;
}

export async function startStripeSimulator(options: { mockUrl: string; webhookSecret: string; logger: Logger }): Promise<StripeSimulator> {
  const { mockUrl, webhookSecret, logger } = options;
  const signer = new Stripe('sk_test_simulator').webhooks;
  const intents = new Map<string, Intent>();
  const replies = new Map<string, { status: number; body: string }>();
  const timers = new Set<NodeJS.Timeout>();
  let apiUrl: string | undefined;
  let waiting: Intent[] = [];

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  /** Delivers the event like Stripe: retried with backoff until the endpoint answers 2xx (here a few times, then logged). */
  const deliver = (intent: Intent, attempt = 0) => {
    if (!apiUrl) return void waiting.push(intent);
    const payload = JSON.stringify({
      id: `evt_sim_${randomBytes(12).toString('hex')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: intent },
    });
    const signature = signer.generateTestHeaderString({ payload, secret: webhookSecret });
    fetch(`${apiUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    })
      .then((response) => {
        if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      })
      .catch((error: unknown) => {
        if (attempt < 5) later(500 * 2 ** attempt, () => deliver(intent, attempt + 1));
        else logger.warn({ err: error, paymentIntent: intent.id }, 'stripe simulator: webhook not delivered');
      });
  };
  const succeed = (intent: Intent) => {
    if (intent.status === 'succeeded' || intent.status === 'canceled') return;
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
    deliver(intent);
  };

  /** What stripe-mock answered, with test mode's PaymentIntent behaviour applied. */
  const simulate = (method: string, path: string, form: URLSearchParams, status: number, body: string): string => {
    if (status >= 300) return body;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const intent = { ...(JSON.parse(body) as Intent), metadata: metadataOf(form) };
      intents.set(intent.id, intent);
      if (form.get('confirm') === 'true' && form.get('payment_method')) succeed(intent);
      else later(CUSTOMER_PAYS_AFTER_MS, () => succeed(intent));
      return JSON.stringify(intent);
    }
    const known = intents.get(/^\/v1\/payment_intents\/([^/]+)/.exec(path)?.[1] ?? '');
    if (!known) return body;
    if (method === 'POST' && path.endsWith('/cancel') && known.status !== 'succeeded') known.status = 'canceled';
    return JSON.stringify(known);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const authorization = req.headers.authorization ?? '';
    if (/_live_/.test(authorization)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'The Stripe simulator takes test keys only.' } }));
      return;
    }
    const raw = await readBody(req);
    const key = req.headers['idempotency-key'];
    const replyKey = method === 'POST' && typeof key === 'string' ? `${path}\u0000${key}` : undefined;
    let reply = replyKey ? replies.get(replyKey) : undefined;
    if (!reply) {
      const forwarded = await fetch(`${mockUrl}${req.url ?? '/'}`, {
        method,
        headers: { authorization, 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        ...(method !== 'GET' && method !== 'DELETE' && { body: raw }),
      });
      const text = await forwarded.text();
      reply = { status: forwarded.status, body: simulate(method, path, new URLSearchParams(raw), forwarded.status, text) };
      if (replyKey && reply.status < 500) replies.set(replyKey, reply);
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': `req_sim_${randomBytes(6).toString('hex')}` });
    res.end(reply.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: `stripe simulator: ${String(error)}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    deliverTo(url) {
      apiUrl = url;
      const queued = waiting;
      waiting = [];
      for (const intent of queued) deliver(intent);
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
