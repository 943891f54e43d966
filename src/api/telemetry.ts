import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { httpRequestDuration, idempotentReplays, paymentRequiredResponses } from '../observability/metrics.js';
import { tracingActive } from '../observability/tracing.js';

const tracer = trace.getTracer('burndown.api');

/**
 * The route template of a request, as the OpenAPI document writes it
 * (/v1/accounts/{id}/deduct), never the raw URL: a label per account id would
 * grow without end. Requests that matched no route share one label.
 */
export function routeTemplateOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl}${path}`.replace(/:(\w+)/g, '{$1}');
}

/**
 * First middleware of the app: times every request into
 * burndown_http_request_duration_seconds{method,route,status}, counts 402s and
 * idempotent replays, and, with tracing on, makes the request's server span
 * (continuing a caller's W3C traceparent) the active context of everything
 * the request does.
 */
export function httpTelemetry(): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const span = tracingActive()
      ? tracer.startSpan(
          req.method,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
          propagation.extract(context.active(), req.headers),
        )
      : undefined;
    res.once('close', () => finish(req, res, started, span));
    if (span) context.with(trace.setSpan(context.active(), span), next);
    else next();
  };
}

function finish(req: Request, res: Response, started: number, span: ReturnType<typeof tracer.startSpan> | undefined) {
  const route = routeTemplateOf(req);
  const status = res.statusCode;
  httpRequestDuration.observe({ method: req.method, route, status: String(status) }, (performance.now() - started) / 1000);
  if (status === 402) paymentRequiredResponses.inc({ route });
  if (res.getHeader('idempotent-replayed') === 'true') idempotentReplays.inc({ route });
  if (!span) return;
  span.updateName(`${req.method} ${route}`);
  span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
  if (status >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
