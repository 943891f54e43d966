import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { importRowStatuses, importStates } from '../../db/schema-imports.js';
import { importContentTypes, type ImportFormat } from '../../imports/file-format.js';
import { createImport, importById, importRows } from '../../imports/service.js';
import { ownerOf } from '../owners.js';
import type { DefineRoute } from '../route.js';
import { idString, problemSchema } from '../schemas/common.js';

const scopes = ['admin', 'finance'] as const;
const importIdParams = z.strictObject({ id: idString });

const progressSchema = z.object({
  total: z.number().int(),
  done: z.number().int(),
  skipped: z
    .number()
    .int()
    .meta({ description: 'Rows whose account or grant existed already (an earlier import of the same rows): nothing booked.' }),
  failed: z.number().int(),
  pending: z.number().int(),
});
const importSchema = z
  .object({
    id: z.string(),
    format: z.enum(['jsonl', 'csv']),
    state: z.enum(importStates),
    progress: progressSchema,
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    fileSha256: z.string(),
    workflowId: z.string(),
  })
  .meta({ id: 'Import' });
const dryRunSchema = z
  .object({
    validateOnly: z.literal(true),
    valid: z.literal(true),
    rows: z.object({ total: z.number().int(), accounts: z.number().int(), grants: z.number().int(), pricingPins: z.number().int() }),
  })
  .meta({ id: 'ImportDryRun' });
const reportSchema = problemSchema
  .extend({
    totalRows: z.number().int(),
    badRows: z.number().int(),
    report: z.array(z.object({ line: z.number().int(), field: z.string(), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'ImportReport', description: 'Every problem of every bad row; nothing was written.' });
const rowSchema = z
  .object({
    line: z.number().int(),
    kind: z.enum(['account', 'pricing_pin', 'grant']),
    key: z.string(),
    status: z.enum(importRowStatuses),
    outcome: z
      .object({
        grantId: z.string().optional(),
        transactionId: z.string().optional(),
        accountId: z.string().optional(),
        code: z.string().optional(),
        message: z.string().optional(),
      })
      .nullable(),
    processedAt: z.string().nullable(),
  })
  .meta({ id: 'ImportRow' });

const example = [
  '{"type":"account","id":"acme","name":"Acme Inc"}',
  '{"type":"pricing_pin","accountId":"acme","pricingVersion":"2026-01"}',
  '{"type":"grant","key":"old-grant-1042","accountId":"acme","creditType":"ai","remaining":"1500.00","originalAmount":"5000.00","grantedAt":"2025-11-03T09:00:00Z","expiresAt":"2026-11-03T09:00:00Z","costBasis":{"amount":"15.00","currency":"USD"}}',
].join('\n');

const formatOf = (contentType: string | undefined): ImportFormat => (contentType?.startsWith(importContentTypes.csv) ? 'csv' : 'jsonl');

export function registerImportRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/imports',
    summary: 'Import accounts, opening balances and pricing pins from another billing system',
    description:
      'The body is the file: JSONL (`Content-Type: application/x-ndjson`) or CSV (`text/csv`), one row per line (docs/IMPORTS.md). The whole file is validated first: any bad row is a 422 `import_invalid` whose `report` lists every problem (line, field, code, message) and nothing is written. `?validateOnly=true` stops there (200). Otherwise the rows are stored and imported by a workflow, in batches (202); follow it with GET /v1/imports/{id}. Each grant row is booked once ever (its `key`); accounts that exist are skipped.',
    tags: ['Imports'],
    scopes,
    access: { global: true },
    query: z.strictObject({
      validateOnly: z.enum(['true', 'false']).default('false').meta({ description: 'true: validate only, store nothing' }),
    }),
    rawBody: { contentTypes: Object.values(importContentTypes), description: 'The import file (docs/IMPORTS.md)', example },
    idempotent: true,
    responses: {
      200: { description: 'Dry run: every row is valid; nothing was stored', schema: dryRunSchema },
      202: { description: 'Stored and started', schema: importSchema },
      400: { description: 'No rows, or an unknown query parameter', schema: problemSchema },
      415: { description: 'Not JSONL or CSV', schema: problemSchema },
      422: {
        description:
          'Bad rows (`import_invalid`: the report of every one; nothing was written), or an Idempotency-Key first used for a different request',
        schema: z.union([reportSchema, problemSchema]),
      },
    },
    handler: async (ctx) => {
      const { deps, query, req, rawBody, mode } = ctx;
      const file = { format: formatOf(req.headers['content-type']), text: rawBody, validateOnly: query.validateOnly === 'true' };
      const result = await createImport(deps, file, { mode, audit: auditContextOf(ctx) });
      if ('validateOnly' in result) return { status: 200, body: result };
      return { status: 202, body: result, headers: { Location: `/v1/imports/${result.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/imports/{id}',
    summary: 'An import’s progress',
    description: 'State (running, completed, completed_with_failures) and counts: total, done, skipped, failed, pending.',
    tags: ['Imports'],
    scopes,
    access: { owner: ownerOf.import },
    params: importIdParams,
    responses: { 200: { description: 'The import', schema: importSchema }, 404: { description: 'No such import', schema: problemSchema } },
    handler: async ({ deps, params, mode }) => ({ status: 200, body: await importById(deps, params.id, mode) }),
  });

  define({
    method: 'get',
    path: '/v1/imports/{id}/rows',
    summary: 'What became of each row of an import',
    description:
      'In line order, a page at a time; `status=failed` lists the rows to fix. The outcome names the grant or account made or found, or why the row failed.',
    tags: ['Imports'],
    scopes,
    access: { owner: ownerOf.import },
    params: importIdParams,
    query: z.strictObject({
      status: z.enum(importRowStatuses).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z
        .string()
        .regex(/^\d{1,9}$/, 'use the nextCursor of the previous page')
        .optional(),
    }),
    responses: {
      200: { description: 'Rows', schema: z.strictObject({ data: z.array(rowSchema), nextCursor: z.string().nullable() }) },
      404: { description: 'No such import', schema: problemSchema },
    },
    handler: async ({ deps, params, query, mode }) => {
      const filter = { status: query.status, limit: query.limit, after: query.cursor === undefined ? undefined : Number(query.cursor) };
      const data = await importRows(deps, params.id, mode, filter);
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? String(data[data.length - 1]!.line) : null } };
    },
  });
}
