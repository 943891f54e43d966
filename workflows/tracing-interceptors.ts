import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Workflow interceptors of the traced workflow bundle (tracing on): each
 * workflow run, activity, timer and child gets its span, parented on the
 * trace that started or signalled the workflow. Spans leave the sandbox
 * through the worker's `exporter` sink (src/observability/tracing.ts).
 * Not in workflows/index.ts: it is not a workflow.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
