import type { Response } from 'express';
import { z } from 'zod';
import { accountAuditTrail, auditRecords, disputeView, eraseAccountData, openAccountExport, verifyChains } from '../../audit/service.js';
import { viewerOf } from '../../auth/viewer.js';
import { ownerOf } from '../owners.js';
import { writeWithBackpressure } from '../backpressure.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, creditTypeId, idString, int8Cursor, isoTime, problemSchema } from '../schemas/common.js';

const auditSchema = z
  .object({
    id: z.string(),
    occurredAt: z.string(),
    actor: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    accountId: z.string().nullable(),
    sourceIp: z.string().nullable(),
    requestId: z.string().nullable(),
    reason: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .meta({ id: 'AuditRecord' });

const chainSchema = z
  .object({
    accountId: z.string(),
    creditType: z.string(),
    entries: z.string(),
    ok: z.boolean(),
    firstBroken: z.strictObject({ entryId: z.string().nullable(), detail: z.string() }).nullable(),
    anchors: z.strictObject({
      checked: z.number().int(),
      firstFailed: z.strictObject({ anchorId: z.string(), detail: z.string() }).nullable(),
    }),
  })
  .meta({ id: 'ChainVerification' });

export function registerAuditRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/audit',
    summary: 'Search the audit log',
    description:
      'Every administrative action with who, when, source IP, request id, reason, and the state before and after. Newest first; `cursor` pages back.',
    tags: ['Audit'],
    scopes: ['admin', 'finance', 'approver'],
    access: { global: true },
    query: z.strictObject({
      actor: z.string().max(200).optional(),
      action: z.string().max(100).optional(),
      targetType: z.string().max(50).optional(),
      targetId: z.string().max(200).optional(),
      accountId: idString.optional(),
      from: isoTime.optional(),
      to: isoTime.optional(),
      cursor: int8Cursor.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    responses: {
      200: { description: 'Audit records', schema: z.strictObject({ data: z.array(auditSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async ({ deps, query, mode }) => {
      const { cursor, ...filter } = query;
      const data = await auditRecords(deps, { ...filter, mode, before: cursor === undefined ? undefined : BigInt(cursor) });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/audit',
    summary: 'An account’s audit trail',
    description: 'Every administrative action on the account (grants, voids, expiry changes, refunds, approvals, updates), newest first.',
    tags: ['Audit'],
    scopes: ['admin', 'support', 'finance', 'approver'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({ cursor: int8Cursor.optional(), limit: z.coerce.number().int().min(1).max(200).default(25) }),
    responses: {
      200: { description: 'Audit records', schema: z.object({ data: z.array(auditSchema), nextCursor: z.string().nullable() }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => {
      const before = query.cursor === undefined ? undefined : BigInt(query.cursor);
      return { status: 200, body: await accountAuditTrail(deps, params.id, { before, limit: query.limit }) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/ledger/verify',
    summary: 'Verify the account’s hash chains',
    description:
      'Recomputes every entry’s hash per credit type (R-A3) and names the first entry whose hash, link or sequence does not match; then checks the chain against its anchors (heads recorded under an HMAC whose key is not in the database) and names the first anchor that does not hold, so a chain rewritten with recomputed hashes is caught. `ok` is false when either fails.',
    tags: ['Audit'],
    scopes: ['admin', 'finance', 'support'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({ creditType: creditTypeId.optional() }),
    responses: {
      200: { description: 'One result per chain', schema: z.strictObject({ ok: z.boolean(), chains: z.array(chainSchema) }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => {
      return { status: 200, body: await verifyChains(deps, params.id, query.creditType) };
    },
  });

  define({
    method: 'get',
    path: '/v1/transactions/{id}',
    summary: 'Dispute view of a transaction',
    description:
      'The whole story of a burn (or any ledger transaction): its usage event or consumption and rating, the grants it touched with cost basis, balance before and after, the hold, refunds, audit records, and who or what caused it.',
    tags: ['Audit'],
    scopes: ['admin', 'finance', 'support', 'customer'],
    access: { owner: ownerOf.transaction },
    params: z.strictObject({ id: z.string().min(1).max(128) }),
    responses: { 200: { description: 'The story' }, 404: { description: 'Unknown transaction', schema: problemSchema } },
    handler: async ({ deps, params, principal }) => {
      return { status: 200, body: await disputeView(deps, params.id, viewerOf(principal)) };
    },
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/export',
    summary: 'GDPR export of an account',
    description:
      'Everything kept about the account — ledger entries and transactions, grants, holds, balances, usage events, consumptions, audit rows — as JSON or CSV, streamed page by page (bounded memory at any size).',
    tags: ['Audit'],
    scopes: ['admin', 'support', 'finance', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
    keyRateCost: 10,
    responses: {
      200: { description: 'The export (application/json or text/csv)', contentTypes: ['application/json', 'text/csv'] },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query, req, actor, principal }) => {
      const streamExport = await openAccountExport(deps, params.id, viewerOf(principal));
      const res = req.res as Response;
      res.status(200).type(query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json');
      res.setHeader('Content-Disposition', `attachment; filename="account-${params.id}.${query.format}"`);
      try {
        await streamExport(query.format, (chunk) => writeWithBackpressure(res, chunk));
        res.end();
        req.log.info({ accountId: params.id, actor }, 'account exported');
      } catch (error) {
        // Headers are gone: the only honest signal left is a cut connection.
        req.log.error({ err: error, accountId: params.id }, 'export failed while streaming');
        res.destroy(error as Error);
      }
      return { status: 200, body: undefined };
    },
  });

  define({
    method: 'post',
    path: '/v1/accounts/{id}/erasure',
    summary: 'GDPR erasure of an account’s personal data',
    description:
      'Removes the account’s name, metadata, usage-event properties and email addresses (recipients; sent mails keep kind and status). Ledger rows stay, pseudonymous (retention: DATA_RETENTION_YEARS), and the hash chain still verifies. A second call changes nothing.',
    tags: ['Audit'],
    scopes: ['admin', 'support'],
    access: { path: ['id'] },
    params: accountIdParams,
    idempotent: true,
    responses: { 200: { description: 'Erased' }, 404: { description: 'No such account', schema: problemSchema } },
    handler: async ({ deps, params, actor }) => ({ status: 200, body: await eraseAccountData(deps, params.id, actor) }),
  });
}
