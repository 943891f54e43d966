import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

const tracer = trace.getTracer('burndown');

/**
 * Runs fn inside a span that is the active context for everything fn does
 * (database statements, Temporal calls, outbound requests), and records a
 * failure on it. With tracing off the global tracer is OpenTelemetry's no-op
 * one and this costs a closure.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      if (error instanceof Error) span.recordException(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A call to a system outside Burndown (Stripe, HubSpot, an accounting system, a customer's webhook endpoint). */
export function externalCall<T>(system: string, operation: string, fn: () => Promise<T>, attributes: Attributes = {}): Promise<T> {
  return withSpan(
    `${system} ${operation}`,
    { 'peer.service': system, 'burndown.external.operation': operation, ...attributes },
    fn,
    SpanKind.CLIENT,
  );
}

/**
 * The same gateway with each method call made inside an externalCall span
 * named after the system and the method ("stripe createPaymentIntent").
 */
export function tracedGateway<T extends object>(system: string, gateway: T): T {
  const traced = { ...gateway };
  for (const [name, member] of Object.entries(gateway)) {
    if (typeof member !== 'function') continue;
    const method = member as (...args: unknown[]) => unknown;
    (traced as Record<string, unknown>)[name] = (...args: unknown[]) =>
      externalCall(system, name, () => Promise.resolve(method.apply(gateway, args)));
  }
  return traced;
}
