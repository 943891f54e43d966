import { z } from 'zod';
import { variable } from './variable-spec.js';

/** host:port, or one of the given words. */
const listenAddress = (words: string[]) =>
  z
    .string()
    .regex(new RegExp(`^(${words.join('|')}|[^:/\\s]+:\\d{1,5})$`), `must be host:port or ${words.map((w) => `\`${w}\``).join(' or ')}`);

/** Connecting to a Temporal cluster or Temporal Cloud with TLS (docs/DEPLOY.md). */
export const temporalTlsVariables = {
  TEMPORAL_TLS_CERT_PATH: variable(
    z.string().min(1).optional(),
    '/etc/burndown/temporal/client.pem',
    'Client certificate (PEM) for mTLS to Temporal (self-hosted with mTLS or Temporal Cloud); needs TEMPORAL_TLS_KEY_PATH. Unset: no client certificate.',
  ),
  TEMPORAL_TLS_KEY_PATH: variable(
    z.string().min(1).optional(),
    '/etc/burndown/temporal/client.key',
    'Private key (PEM) of TEMPORAL_TLS_CERT_PATH.',
  ),
  TEMPORAL_TLS_CA_PATH: variable(
    z.string().min(1).optional(),
    '/etc/burndown/temporal/ca.pem',
    "CA certificate (PEM) that signed the Temporal frontend's certificate, when it is not a public CA. Setting it turns TLS on.",
  ),
  TEMPORAL_TLS_SERVER_NAME: variable(
    z.string().min(1).optional(),
    'temporal.internal',
    'Server name to verify on the Temporal frontend certificate, when it differs from the host of TEMPORAL_ADDRESS.',
  ),
  TEMPORAL_API_KEY: variable(
    z.string().min(1).optional(),
    'eyJhbGci…',
    'Temporal Cloud API key (sent as a bearer token; turns TLS on). Alternative to an mTLS client certificate.',
  ),
} as const;

/** Metrics and tracing (R-O1, docs/OBSERVABILITY.md). */
export const observabilityVariables = {
  METRICS_LISTEN: variable(
    listenAddress(['public', 'off']).default('127.0.0.1:9464'),
    '0.0.0.0:9464',
    "Where the API process serves `GET /metrics` (Prometheus text): its own listen address (host:port; port 0 picks a free one), `public` (the API's own port, needs METRICS_TOKEN) or `off`.",
  ),
  WORKER_METRICS_LISTEN: variable(
    listenAddress(['off']).default('127.0.0.1:9465'),
    '0.0.0.0:9465',
    "Where the worker serves `GET /metrics`, with the Temporal SDK's own worker metrics included: host:port or `off`.",
  ),
  METRICS_TOKEN: variable(
    z.string().min(16, 'must be at least 16 characters').optional(),
    'a-long-random-string',
    'Bearer token every `GET /metrics` must send (`Authorization: Bearer …`). Required with METRICS_LISTEN=public.',
  ),
  TEMPORAL_SDK_METRICS_PORT: variable(
    z.coerce.number().int().min(0).max(65535).default(0),
    '9466',
    "Loopback port of the Temporal SDK's own Prometheus exporter in the worker, read by the worker's /metrics (0: a free port).",
  ),
  OTEL_TRACES_EXPORTER: variable(
    z.enum(['otlp', 'console', 'none']).optional(),
    'otlp',
    'Tracing (OpenTelemetry) is off unless this is `otlp` or `console`, or OTEL_EXPORTER_OTLP_ENDPOINT is set. The other standard OTEL_* variables (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, …) are read by the OpenTelemetry SDK itself.',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(
    z.url().optional(),
    'http://otel-collector:4318',
    'OTLP/HTTP (protobuf) collector that receives the traces; setting it turns tracing on.',
  ),
  OTEL_SERVICE_NAME: variable(
    z.string().min(1).optional(),
    'burndown-api',
    'Service name on the spans. Unset: burndown-api, burndown-worker or burndown (the dev stack).',
  ),
} as const;
