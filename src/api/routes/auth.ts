import { z } from 'zod';
import { scopes, sessionScopes } from '../../auth/api-keys.js';
import { issueAccountSessionToken } from '../../auth/service.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';

const sessionTokenBody = z
  .object({
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(3600)
      .optional()
      .meta({ description: 'Shorter than SESSION_TOKEN_TTL_SECONDS if you like; never longer' }),
    autoRecharge: z
      .boolean()
      .default(false)
      .meta({ description: 'Let the wallet change the auto-recharge settings (threshold, bundle, monthly cap) too' }),
  })
  .strict()
  .meta({ id: 'SessionTokenInput' });

const sessionTokenSchema = z
  .object({ token: z.string(), expiresAt: z.string(), accountId: z.string(), scopes: z.array(z.enum(sessionScopes)) })
  .meta({ id: 'SessionToken' });

const meSchema = z
  .object({
    keyId: z.string(),
    subject: z.string(),
    scopes: z.array(z.string()),
    accountId: z.string().nullable(),
    mode: z.enum(['live', 'test']),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'Me' });

export function registerAuthRoutes(define: DefineRoute): void {
  define({
    method: 'post',
    path: '/v1/accounts/{id}/session-tokens',
    summary: 'Issue a browser session token for an account',
    description:
      'For the embeddable wallet: your back end trades its service key for a short-lived token bound to this account, and hands only the token to the browser. The token may read the account and buy credits (and change auto-recharge when `autoRecharge` is true), nothing else. Not idempotent on purpose: a replayed response would have to keep the token in clear; a retry simply issues another token.',
    tags: ['Web UI'],
    scopes: ['service', 'admin'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: sessionTokenBody,
    example: { ttlSeconds: 900, autoRecharge: false },
    // A replay would have to keep the token in clear: each request issues a new token (see the description).
    idempotent: false,
    responses: {
      201: { description: 'The token (shown once) and when it expires', schema: sessionTokenSchema },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, body, principal }) => {
      const issued = await issueAccountSessionToken(deps, {
        accountId: params.id,
        autoRecharge: body.autoRecharge,
        ttlSeconds: body.ttlSeconds,
        issuedByKeyId: principal.keyId,
        mode: principal.mode,
      });
      return {
        status: 201,
        body: { token: issued.token, expiresAt: issued.expiresAt.toISOString(), accountId: issued.accountId, scopes: issued.scopes },
        headers: { 'Cache-Control': 'no-store' },
      };
    },
  });

  define({
    method: 'get',
    path: '/v1/me',
    summary: 'Who the presented key or session token is',
    description:
      'Its subject, scopes, bound account, mode (live or test) and (session tokens) expiry. The wallet learns its account here; the console decides what to show.',
    tags: ['Web UI'],
    scopes: [...scopes, ...sessionScopes],
    access: { anyKey: true },
    responses: { 200: { description: 'The caller', schema: meSchema } },
    handler: ({ principal }) =>
      Promise.resolve({
        status: 200,
        body: {
          keyId: principal.keyId,
          subject: principal.subject,
          scopes: [...principal.scopes].sort(),
          accountId: principal.accountId,
          mode: principal.mode,
          expiresAt: principal.expiresAt?.toISOString() ?? null,
        },
      }),
  });
}
