import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The active trace's ids for a log line (pino's mixin): a log line written
 * while a traced request, workflow activity or ledger operation runs can be
 * found from its trace, and the other way round. Nothing with tracing off.
 * A fresh object every time: pino merges the line's own fields into it.
 */
export function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { traceId: ids.traceId, spanId: ids.spanId } : {};
}
