import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A tiny programmable Stripe for what stripe-mock cannot do: declines, 500s,
 * rate limits, timeouts and requires_action. It speaks only the endpoints
 * Burndown calls, form-encoded like the real API, and honours Idempotency-Key
 * the way Stripe does (a key replays its first 2xx/4xx response; 5xx are not
 * stored). Tests drive it with the real `stripe` SDK pointed at its URL.
 */
export type ChargeOutcome =
  'succeed' | 'decline' | 'requires_action' | 'authentication_required' | 'server_error' | 'rate_limit' | 'timeout';

interface StoredIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  payment_method: string | null;
  last_payment_error: unknown;
}

export interface StripeFake {
  url: string;
  /** Outcomes for the next PaymentIntent creations, consumed in order; then 'succeed'. */
  queue(...outcomes: ChargeOutcome[]): void;
  /** PaymentIntents that took money (status succeeded). */
  readonly charges: StoredIntent[];
  readonly intents: Map<string, StoredIntent>;
  /** Idempotency keys of every PaymentIntent creation request, in order (retries included). */
  readonly chargeKeys: string[];
  readonly refunds: { id: string; payment_intent: string; amount: number }[];
  /** Payment methods returned for customers; empty list → no saved card. */
  paymentMethods: string[];
  /** Milliseconds a 'timeout' outcome waits before answering (longer than the client's timeout). */
  timeoutDelayMs: number;
  close(): Promise<void>;
}

function formToObject(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const nested = /^(\w+)\[(\w+)\]$/.exec(key);
    if (nested) {
      const bucket = (out[nested[1]!] ??= {}) as Record<string, string>;
      bucket[nested[2]!] = value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startStripeFake(): Promise<StripeFake> {
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}_fake${String(++sequence).padStart(6, '0')}`;
  const outcomes: ChargeOutcome[] = [];
  const intents = new Map<string, StoredIntent>();
  const charges: StoredIntent[] = [];
  const chargeKeys: string[] = [];
  const refunds: StripeFake['refunds'] = [];
  const stored = new Map<string, { status: number; body: unknown }>();
  const fake = { paymentMethods: ['pm_card_visa'], timeoutDelayMs: 1_500 } as Pick<StripeFake, 'paymentMethods' | 'timeoutDelayMs'>;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++sequence}` });
    res.end(JSON.stringify(body));
  };
  const cardError = (code: string, message: string, pi: StoredIntent, declineCode?: string) => ({
    error: { type: 'card_error', code, message, ...(declineCode && { decline_code: declineCode }), payment_intent: pi },
  });

  function createIntent(params: Record<string, unknown>): { status: number; body: unknown } {
    const outcome = outcomes.shift() ?? 'succeed';
    if (outcome === 'server_error') return { status: 500, body: { error: { type: 'api_error', message: 'fake: internal error' } } };
    if (outcome === 'rate_limit')
      return { status: 429, body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'fake: too many requests' } } };
    const pi: StoredIntent = {
      id: nextId('pi'),
      object: 'payment_intent',
      amount: Number(params.amount),
      amount_received: 0,
      currency: String(params.currency),
      customer: String(params.customer),
      status: 'requires_payment_method',
      client_secret: '',
      metadata: (params.metadata as Record<string, string>) ?? {},
      payment_method: (params.payment_method as string) ?? null,
      last_payment_error: null,
    };
    pi.client_secret = `${pi.id}_secret_fake`;
    intents.set(pi.id, pi);
    if (params.confirm !== 'true') return { status: 200, body: pi };
    switch (outcome) {
      case 'succeed':
      case 'timeout':
        pi.status = 'succeeded';
        pi.amount_received = pi.amount;
        charges.push(pi);
        return { status: 200, body: pi };
      case 'requires_action':
        pi.status = 'requires_action';
        return { status: 200, body: pi };
      case 'authentication_required':
        pi.last_payment_error = { code: 'authentication_required' };
        return { status: 402, body: cardError('authentication_required', 'fake: authentication required', pi) };
      case 'decline':
        pi.last_payment_error = { code: 'card_declined', decline_code: 'insufficient_funds' };
        return { status: 402, body: cardError('card_declined', 'fake: your card has insufficient funds', pi, 'insufficient_funds') };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const params = formToObject(await readBody(req));
    const key = req.headers['idempotency-key'] as string | undefined;
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'POST' && path === '/v1/payment_intents') chargeKeys.push(key ?? '');
    const replay = key ? stored.get(`${path}\u0000${key}`) : undefined;
    if (req.method === 'POST' && replay) return send(res, replay.status, replay.body);
    const remember = (result: { status: number; body: unknown }) => {
      if (key && result.status < 500 && result.status !== 429) stored.set(`${path}\u0000${key}`, result);
      return send(res, result.status, result.body);
    };

    if (req.method === 'POST' && path === '/v1/customers')
      return remember({ status: 200, body: { id: nextId('cus'), object: 'customer', metadata: params.metadata ?? {} } });
    if (req.method === 'POST' && path === '/v1/setup_intents') {
      const id = nextId('seti');
      return remember({
        status: 200,
        body: { id, object: 'setup_intent', client_secret: `${id}_secret_fake`, status: 'requires_payment_method' },
      });
    }
    const pmList = /^\/v1\/customers\/([^/]+)\/payment_methods$/.exec(path);
    if (req.method === 'GET' && pmList) {
      return send(res, 200, {
        object: 'list',
        url: path,
        has_more: false,
        data: fake.paymentMethods.map((id) => ({ id, object: 'payment_method', type: 'card' })),
      });
    }
    if (req.method === 'POST' && path === '/v1/payment_intents') {
      const outcome = outcomes[0];
      const result = createIntent(params);
      if (outcome === 'timeout') {
        // The charge happened; the answer comes too late for the client, whose retry must replay it.
        stored.set(`${path}\u0000${key}`, result);
        await new Promise((resolve) => setTimeout(resolve, fake.timeoutDelayMs));
        return send(res, result.status, result.body);
      }
      return remember(result);
    }
    const one = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(path);
    if (one) {
      const pi = intents.get(one[1]!);
      if (!pi)
        return send(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'no such payment_intent' } });
      if (one[2] && req.method === 'POST') {
        if (pi.status === 'succeeded') return send(res, 400, { error: { type: 'invalid_request_error', message: 'already succeeded' } });
        pi.status = 'canceled';
      }
      return send(res, 200, pi);
    }
    if (req.method === 'POST' && path === '/v1/refunds') {
      const pi = intents.get(String(params.payment_intent));
      if (!pi || pi.status !== 'succeeded')
        return remember({ status: 400, body: { error: { type: 'invalid_request_error', message: 'charge not refundable' } } });
      const refund = {
        id: nextId('re'),
        object: 'refund',
        payment_intent: pi.id,
        amount: Number(params.amount),
        status: 'succeeded',
        metadata: params.metadata ?? {},
      };
      refunds.push(refund);
      return remember({ status: 200, body: refund });
    }
    send(res, 404, { error: { type: 'invalid_request_error', message: `fake: no route ${req.method} ${path}` } });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    queue: (...next: ChargeOutcome[]) => void outcomes.push(...next),
    charges,
    intents,
    chargeKeys,
    refunds,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
