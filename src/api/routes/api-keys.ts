import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { modes, scopes } from '../../auth/api-keys.js';
import { apiKeyById, apiKeys, issueApiKey, revokeApiKey, rollApiKey } from '../../auth/api-key-service.js';
import type { DefineRoute } from '../route.js';
import { idString, isoTime, pageQuery, problemSchema } from '../schemas/common.js';

const keyIdParams = z.strictObject({ id: z.string().regex(/^key_[0-9a-f]{16}$/, 'an API key id (key_ and 16 hex digits)') });

const keySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    subject: z.string(),
    scopes: z.array(z.string()),
    accountId: z.string().nullable(),
    mode: z.enum(modes).meta({ description: 'live, or test: the key reaches only accounts of its mode' }),
    status: z.enum(['active', 'revoked', 'expired']),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
const keyWithTokenSchema = keySchema
  .extend({
    token: z.string().nullable().meta({ description: 'bd_live_… or bd_test_… — shown only in this answer (null in an idempotent replay)' }),
  })
  .meta({ id: 'ApiKeyWithToken' });

const subject = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s\p{C}]+$/u, 'one word without spaces or control characters, e.g. alice@example.com or svc:checkout');

/** API key management (R-S1): admin keys only, every change audited. */
export function registerApiKeyRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key',
    description:
      'The token is returned once. `subject` names the person or service the key acts for (audit actor; nobody approves their own request). A customer key must be bound to an account (of the key’s mode); any key may be. `mode` (default: the caller’s) makes a live or a test key; a test-mode key makes test keys only.',
    tags: ['API keys'],
    scopes: ['admin'],
    access: { global: true },
    body: z
      .strictObject({
        name: z.string().trim().min(1).max(200),
        subject,
        scopes: z.array(z.enum(scopes)).min(1),
        accountId: idString.optional(),
        mode: z.enum(modes).optional(),
        expiresAt: isoTime.optional(),
      })
      .meta({ id: 'ApiKeyInput' }),
    example: { name: 'checkout service', subject: 'svc:checkout', scopes: ['service'], expiresAt: '2027-01-01T00:00:00Z' },
    idempotent: true,
    shownOnce: ['token'],
    responses: { 201: { description: 'Created', schema: keyWithTokenSchema } },
    handler: async (ctx) => {
      const created = await issueApiKey(ctx.deps, ctx.body, ctx.principal.mode, auditContextOf(ctx));
      return { status: 201, body: created, headers: { Location: `/v1/api-keys/${created.id}` } };
    },
  });

  define({
    method: 'get',
    path: '/v1/api-keys',
    summary: 'List API keys',
    description: 'The keys of the caller’s mode; a live admin key may ask for `mode=test`.',
    tags: ['API keys'],
    scopes: ['admin'],
    access: { global: true },
    query: pageQuery.extend({ accountId: idString.optional(), mode: z.enum(modes).optional() }),
    responses: {
      200: {
        description: 'Keys (never a secret)',
        schema: z.strictObject({ data: z.array(keySchema), nextCursor: z.string().nullable() }),
      },
    },
    handler: async ({ deps, query, principal }) => {
      // A test-mode key sees test keys only, whatever it asks for.
      const mode = principal.mode === 'test' ? 'test' : (query.mode ?? 'live');
      const data = await apiKeys(deps, { limit: query.limit, after: query.cursor, accountId: query.accountId, mode });
      return { status: 200, body: { data, nextCursor: data.length === query.limit ? data[data.length - 1]!.id : null } };
    },
  });

  define({
    method: 'get',
    path: '/v1/api-keys/{id}',
    summary: 'Get an API key',
    tags: ['API keys'],
    scopes: ['admin'],
    access: { global: true },
    params: keyIdParams,
    responses: {
      200: { description: 'The key (never its secret)', schema: keySchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ deps, params, principal }) => ({ status: 200, body: await apiKeyById(deps, params.id, principal.mode) }),
  });

  define({
    method: 'post',
    path: '/v1/api-keys/{id}/revoke',
    summary: 'Revoke an API key',
    description: 'Refused from its next request on, in every API process. Revoking a revoked key changes nothing.',
    tags: ['API keys'],
    scopes: ['admin'],
    access: { global: true },
    params: keyIdParams,
    idempotent: true,
    responses: { 200: { description: 'Revoked', schema: keySchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async (ctx) => {
      const revoked = await revokeApiKey(ctx.deps, ctx.params.id, ctx.principal.mode, auditContextOf(ctx));
      ctx.deps.verifyApiKey.evict?.(ctx.params.id);
      return { status: 200, body: revoked };
    },
  });

  define({
    method: 'post',
    path: '/v1/api-keys/{id}/roll',
    summary: 'Roll an API key',
    description:
      'A new secret for the same key (same id, scopes, account and mode). The old secret keeps working until `expiresOldAt` (default: now; at most 7 days ahead), then is refused as expired.',
    tags: ['API keys'],
    scopes: ['admin'],
    access: { global: true },
    params: keyIdParams,
    body: z.strictObject({ expiresOldAt: isoTime.optional() }).meta({ id: 'ApiKeyRollInput' }),
    example: { expiresOldAt: '2026-01-02T00:00:00Z' },
    idempotent: true,
    shownOnce: ['token'],
    responses: {
      200: { description: 'Rolled', schema: keyWithTokenSchema },
      404: { description: 'Not found or revoked', schema: problemSchema },
    },
    handler: async (ctx) => {
      const rolled = await rollApiKey(ctx.deps, ctx.params.id, ctx.body.expiresOldAt, ctx.principal.mode, auditContextOf(ctx));
      ctx.deps.verifyApiKey.evict?.(ctx.params.id);
      return { status: 200, body: rolled };
    },
  });
}
