/**
 * Tracing: one trace for POST /v1/consumptions holds the request, the
 * Temporal workflow it starts, the workflow's activities, the ledger
 * operations with their balance reads, lock acquisitions and writes, and the
 * external calls the consumption causes (the auto-recharge it triggers charges
 * Stripe, here stripe-mock). The stack is the one `npm start` wires, with an
 * in-memory span exporter instead of OTLP.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { traceFields } from '../../src/observability/trace-context.js';
import { startTracing } from '../../src/observability/tracing.js';
import { useRunningStack } from '../helpers/stack.js';
import { useStripeMock } from '../helpers/stripe-mock.js';

const exporter = new InMemorySpanExporter();
const stripe = useStripeMock();
beforeAll(() => {
  // Before the stack opens: its Temporal client, worker and workflow bundle are then traced.
  startTracing(loadConfig({ BURNDOWN_ENV: 'test' }), 'burndown-test', new SimpleSpanProcessor(exporter));
});
const stack = useRunningStack(() => ({ STRIPE_API_BASE: stripe.url, OUTBOX_RELAY_INTERVAL_SECONDS: '3600' }));

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The spans of one trace, with their parent links. */
class SpanTree {
  readonly byId: Map<string, ReadableSpan>;
  constructor(readonly spans: ReadableSpan[]) {
    this.byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  }
  named(name: string): ReadableSpan[] {
    return this.spans.filter((s) => s.name === name);
  }
  one(name: string): ReadableSpan {
    const found = this.named(name);
    expect(
      found.map((s) => s.name),
      `one span named ${name}`,
    ).toEqual([name]);
    return found[0]!;
  }
  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    return span.parentSpanId ? this.byId.get(span.parentSpanId) : undefined;
  }
  /** Whether `ancestor` is on the path from `span` up to the root. */
  isUnder(span: ReadableSpan, ancestor: ReadableSpan): boolean {
    for (let at = this.parentOf(span); at; at = this.parentOf(at)) if (at === ancestor) return true;
    return false;
  }
  /** The descendants of `root`. */
  under(root: ReadableSpan): ReadableSpan[] {
    return this.spans.filter((s) => this.isUnder(s, root));
  }
}

describe('tracing (OpenTelemetry, in-memory exporter)', () => {
  let tree: SpanTree;

  beforeAll(async () => {
    expect((await stack.call('POST', '/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 })).status).toBe(201);
    expect((await stack.call('POST', '/v1/accounts', { id: 'acme', name: 'Acme' })).status).toBe(201);
    expect((await stack.call('POST', '/v1/accounts/acme/grants', { creditType: 'ai', amount: '100', source: 'promo' })).status).toBe(201);
    const recharge = await stack.call('POST', '/v1/accounts/acme/auto-recharge', {
      creditType: 'ai',
      enabled: true,
      threshold: '95',
      bundleId: 'ai-100',
      quantity: 1,
      monthlyCap: { amount: '100.00', currency: 'USD' },
      paymentMethodId: 'pm_card_visa',
    });
    expect(recharge.status).toBe(200);
    exporter.reset();

    const started = await stack.call('POST', '/v1/consumptions', {
      accountId: 'acme',
      feature: 'chat',
      estimate: '10',
      idempotencyKey: 'tracing-saga-1',
    });
    expect(started.body).toMatchObject({ status: 'reserved' });
    const done = await stack.call('POST', `/v1/consumptions/${started.body.consumptionId}/complete`, { actualQuantity: '10' });
    expect(done.body).toMatchObject({ status: 'completed' });
    const request = await eventually(() => exporter.getFinishedSpans().find((s) => s.name === 'POST /v1/consumptions'), 'the request span');
    const traceId = request.spanContext().traceId;
    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    // The hold took the balance below the threshold: the recharge it triggered charges Stripe. Workflow spans
    // leave the sandbox through a sink when an activation completes: wait for the saga's run to be exported.
    await eventually(
      () =>
        inTrace().some((s) => s.name === 'RunWorkflow:consumptionWorkflow') &&
        inTrace().some((s) => s.name === 'stripe createPaymentIntent')
          ? true
          : undefined,
      'the saga and the Stripe charge in the trace',
    );
    tree = new SpanTree(inTrace());
  });

  it('one trace from the request through the workflow, its activities and the ledger writes', () => {
    const request = tree.one('POST /v1/consumptions');
    expect(request.attributes['http.route']).toBe('/v1/consumptions');
    expect(tree.parentOf(request)).toBeUndefined();
    const start = tree.one('UpdateWithStartWorkflow:reservation');
    expect(tree.parentOf(start)).toBe(request);
    const workflow = tree.one('RunWorkflow:consumptionWorkflow');
    expect(tree.isUnder(workflow, start)).toBe(true);
    for (const [activity, operation] of [
      ['reserveConsumption', 'ledger.hold'],
      ['commitConsumption', 'ledger.commit_hold'],
    ] as const) {
      const run = tree.one(`RunActivity:${activity}`);
      expect(tree.isUnder(run, workflow), `${activity} runs under the workflow`).toBe(true);
      const ledger = tree.one(operation);
      expect(tree.parentOf(ledger)).toBe(run);
      // The ledger runs each operation as one SQL call (ledger_execute): its idempotency lock, the balance check
      // under the balance row locks and its writes happen inside that call, which is the operation's one statement span.
      const statements = tree.under(ledger).filter((s) => s.attributes['db.system'] === 'postgresql');
      const call = statements.find((s) => s.name === 'SELECT ledger_execute');
      expect(call, `${operation} makes its ledger_execute call`).toBeDefined();
      expect(call!.attributes['db.stored_procedure.name']).toBe('ledger_execute');
    }
  });

  it('statements that take locks outside the ledger are marked with the lock: the recharge locks its settings row', () => {
    const plan = tree.one('RunActivity:planRecharge');
    const locked = tree.under(plan).filter((s) => s.attributes['burndown.lock'] === 'recharge_settings');
    expect(locked.map((s) => s.name)).toContain('SELECT recharge_settings');
  });

  it('the external calls the consumption causes are in the same trace: the auto-recharge it triggers charges Stripe', () => {
    // The hold and the burn each took the balance below the threshold; each asks the recharge workflow to run.
    const triggers = tree.named('SignalWithStartWorkflow:rechargeWorkflow');
    expect(triggers.map((s) => tree.parentOf(s)?.name).sort()).toEqual(['ledger.commit_hold', 'ledger.hold']);
    const charge = tree.one('RunActivity:chargeRecharge');
    const stripeCalls = tree.under(charge).filter((s) => s.attributes['peer.service'] === 'stripe');
    expect(stripeCalls.map((s) => s.name)).toEqual(expect.arrayContaining(['stripe createCustomer', 'stripe createPaymentIntent']));
    expect(stripeCalls.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
  });

  it('nothing in the trace is orphaned', () => {
    const request = tree.one('POST /v1/consumptions');
    // The recharge workflow is still running (it waits for Stripe's webhook): its RunWorkflow span is exported when it
    // ends (and its StartActivity spans when its activation completes), so until then its activities hang under
    // parents not yet in the trace, and nothing else does.
    const detached = tree.spans.filter((s) => s !== request && !tree.isUnder(s, request));
    const roots = detached.filter((s) => !tree.parentOf(s));
    expect(roots.length).toBeGreaterThan(0);
    for (const root of roots) expect(root.name).toMatch(/^(Start|Run)Activity:\w*Recharge$/);
  });

  it('log lines written inside a span carry its trace id', () => {
    const tracer = trace.getTracer('test');
    tracer.startActiveSpan('a log line', (span) => {
      expect(traceFields()).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
      span.end();
    });
    expect(traceFields()).toEqual({});
    // pino merges each line's own fields into the mixin's object: it must be a fresh, writable one.
    expect(Object.assign(traceFields(), { taskQueue: 'burndown' })).toEqual({ taskQueue: 'burndown' });
  });
});
