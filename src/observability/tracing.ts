import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Config } from '../config/config.js';

/**
 * OpenTelemetry tracing (off by default). Configured by the standard OTEL_*
 * variables: OTEL_TRACES_EXPORTER=otlp|console or an OTLP endpoint turns it
 * on; the SDK reads the rest (headers, sampler, resource attributes) itself.
 *
 * What is traced, and how: no module is monkey-patched (the ESM loader hooks
 * that auto-instrumentation needs do not fit tsx, vitest or the workflow
 * bundle). Spans are made at Burndown's own boundaries instead: the API
 * request (src/api/telemetry.ts), the Temporal client, workflows and
 * activities (@temporalio/interceptors-opentelemetry, which carries the
 * context through Temporal headers), each ledger operation
 * (measured-ledger.ts), each SQL statement inside a traced operation
 * (db-telemetry.ts) and each call to Stripe, HubSpot, an accounting system or
 * a customer webhook (spans.ts, externalCall).
 */
export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Whether the configuration turns tracing on. */
export function tracingWanted(config: Config): boolean {
  if (config.OTEL_TRACES_EXPORTER === 'none') return false;
  return config.OTEL_TRACES_EXPORTER !== undefined || config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
}

/**
 * Starts the OpenTelemetry SDK for this process when the configuration asks
 * for it (or a span processor is given: tests pass an in-memory one). Once per
 * process; a second call returns the first.
 */
export function startTracing(config: Config, defaultServiceName: string, spanProcessor?: SpanProcessor): Tracing | undefined {
  if (active) return active;
  if (!spanProcessor && !tracingWanted(config)) return undefined;
  const processor =
    spanProcessor ??
    new BatchSpanProcessor(
      config.OTEL_TRACES_EXPORTER === 'console'
        ? new ConsoleSpanExporter()
        : new OTLPTraceExporter(
            config.OTEL_EXPORTER_OTLP_ENDPOINT ? { url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` } : {},
          ),
    );
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? defaultServiceName });
  const sdk = new NodeSDK({ resource, spanProcessors: [processor], logRecordProcessors: [], instrumentations: [] });
  sdk.start();
  active = {
    spanProcessor: processor,
    resource,
    async shutdown() {
      active = undefined;
      await sdk.shutdown();
    },
  };
  return active;
}

export function tracingActive(): boolean {
  return active !== undefined;
}

/** The Temporal client's interceptors: with tracing, starts, signals and updates carry the caller's trace into the workflow. */
export function temporalClientInterceptors(): WorkflowClientInterceptor[] {
  return active ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/**
 * What the worker adds with tracing on: activity spans (children of the
 * workflow's), and the sink that exports the spans workflows make inside
 * their sandbox (the workflow bundle then includes the workflow interceptors:
 * workers/bundle.ts).
 */
export function temporalWorkerTracing(): { interceptors: WorkerInterceptors; sinks: InjectedSinks<never> } | undefined {
  if (!active) return undefined;
  return {
    interceptors: { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })] },
    sinks: { exporter: makeWorkflowExporter(active.spanProcessor, active.resource) } as InjectedSinks<never>,
  };
}
