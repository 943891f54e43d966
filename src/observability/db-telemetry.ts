import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { LogEvent } from 'kysely';
import { lockWait } from './metrics.js';

const ROW_LOCK = /\bfor (?:no key )?update\b|\bfor (?:key )?share\b/i;
const ADVISORY_LOCK = /\bpg_advisory_xact_lock\b/i;
const TABLE = /\b(?:from|into|update)\s+"?([a-z_][a-z0-9_]*)"?/i;
/** `select fn(…)`: a call to a SQL function (the ledger runs each operation as one `ledger_execute` call). */
const FUNCTION_CALL = /^\s*select\s+([a-z_][a-z0-9_.]*)\s*\(/i;
const OPERATION = /^\s*(?:with\b[\s\S]*?\)\s*)?(select|insert|update|delete|begin|commit|rollback|savepoint|release)\b/i;
/** Statement text only (Kysely sends values as $n parameters, so no secret is in it), cut to keep spans small. */
const MAX_STATEMENT = 500;

const tracer = trace.getTracer('burndown.db');

/** What a statement locks: the table of a row lock, `advisory`, or nothing. */
export function lockOf(statement: string): string | undefined {
  if (ADVISORY_LOCK.test(statement)) return 'advisory';
  if (ROW_LOCK.test(statement)) return TABLE.exec(statement)?.[1] ?? 'row';
  return undefined;
}

/**
 * The database's telemetry, fed by Kysely's query log (createDatabase's
 * onQuery): the lock-wait histogram for statements that take locks, and,
 * when a traced operation is running, one span per statement named as the
 * OpenTelemetry database conventions have it ("SELECT balances"), with the
 * lock it takes as an attribute. Kysely reports a statement after it ran, so
 * the span is written with its measured start and end. Statements outside a
 * traced operation (polling, scrapes) make no spans.
 */
export function onDatabaseQuery(event: LogEvent): void {
  const statement = event.query.sql;
  const seconds = event.queryDurationMillis / 1000;
  const lock = lockOf(statement);
  if (lock !== undefined) lockWait.observe({ lock }, seconds);
  const parent = trace.getSpan(context.active());
  if (!parent?.isRecording()) return;
  const end = Date.now();
  const operation = (OPERATION.exec(statement)?.[1] ?? 'query').toUpperCase();
  const fn = FUNCTION_CALL.exec(statement)?.[1];
  const table = fn ? undefined : TABLE.exec(statement)?.[1];
  const span = tracer.startSpan(
    lock === 'advisory' ? 'LOCK advisory' : fn ? `${operation} ${fn}` : table ? `${operation} ${table}` : operation,
    {
      kind: SpanKind.CLIENT,
      startTime: end - event.queryDurationMillis,
      attributes: {
        'db.system': 'postgresql',
        'db.operation.name': operation,
        ...(table && { 'db.collection.name': table }),
        ...(fn && { 'db.stored_procedure.name': fn }),
        'db.query.text': statement.length > MAX_STATEMENT ? `${statement.slice(0, MAX_STATEMENT)}…` : statement,
        ...(lock !== undefined && { 'burndown.lock': lock }),
      },
    },
    context.active(),
  );
  if (event.level === 'error') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: event.error instanceof Error ? event.error.message : String(event.error) });
  }
  span.end(end);
}
