import { z } from 'zod';
import { auditContextOf } from '../../audit/request-context.js';
import { emailKinds } from '../../email/kinds.js';
import { listEmailDeliveries } from '../../email/deliveries.js';
import { emailSettingsOf, setEmailSettings } from '../../email/settings.js';
import { requireAccount } from '../../ledger/index.js';
import type { DefineRoute } from '../route.js';
import { accountIdParams, problemSchema } from '../schemas/common.js';

const kind = z.enum(emailKinds);
const recipient = z.strictObject({
  email: z.email().max(254),
  locale: z
    .string()
    .regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/, 'a language tag such as en, de or de-AT')
    .default('en')
    .meta({ description: 'Language of the mails: templates exist for en and de; any other falls back to en' }),
});

const settingsSchema = z
  .object({
    accountId: z.string(),
    recipients: z.array(z.object({ email: z.string(), locale: z.string() })),
    optOut: z.array(kind),
    kinds: z.array(kind).meta({ description: 'Every kind of customer mail (docs/EMAIL.md)' }),
  })
  .meta({ id: 'EmailSettings' });

const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    kind,
    recipient: z.string(),
    locale: z.string(),
    status: z.enum(['pending', 'sent', 'failed', 'cancelled']),
    attempts: z.number().int(),
    lastError: z.string().nullable().meta({ description: 'The SMTP error of the last failed attempt (code, reply)' }),
    createdAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'EmailDelivery' });

export function registerEmailRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/accounts/{id}/email-settings',
    summary: 'Customer email settings of an account',
    description: 'Who gets the account’s mails (low balance, receipts, …) in which language, and which kinds the account turned off.',
    tags: ['Email'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    responses: { 200: { description: 'Settings', schema: settingsSchema }, 404: { description: 'No such account', schema: problemSchema } },
    handler: async ({ deps, params }) => ({ status: 200, body: await emailSettingsOf(deps.ledger, params.id) }),
  });

  define({
    method: 'patch',
    path: '/v1/accounts/{id}/email-settings',
    summary: 'Set the customer email settings of an account',
    description:
      'Replaces the recipients, the opted-out kinds, or both (a field left out stays as it is; audited). An opt-out applies to every mail not yet sent, including mails already queued. Customer keys and session tokens manage their own account’s.',
    tags: ['Email'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    body: z.strictObject({
      recipients: z
        .array(recipient)
        .max(20)
        .refine((list) => new Set(list.map((r) => r.email.toLowerCase())).size === list.length, 'each address at most once')
        .optional(),
      optOut: z.array(kind).max(emailKinds.length).optional(),
    }),
    example: { recipients: [{ email: 'billing@acme.com', locale: 'de' }], optOut: ['credits_expiring'] },
    idempotent: true,
    responses: { 200: { description: 'Saved', schema: settingsSchema }, 404: { description: 'No such account', schema: problemSchema } },
    handler: async (ctx) => ({
      status: 200,
      body: await setEmailSettings(
        ctx.deps.ledger,
        {
          accountId: ctx.params.id,
          recipients: ctx.body.recipients,
          optOut: ctx.body.optOut && [...new Set(ctx.body.optOut)],
        },
        auditContextOf(ctx),
      ),
    }),
  });

  define({
    method: 'get',
    path: '/v1/accounts/{id}/email-deliveries',
    summary: 'Customer mails of an account',
    description:
      'The latest mails, newest first: kind, recipient, status (`pending`, `sent`, `failed`: refused for good or given up, `cancelled`: opted out or recipient removed before sending), attempts and the last SMTP error.',
    tags: ['Email'],
    scopes: ['admin', 'service', 'support', 'customer'],
    access: { path: ['id'] },
    params: accountIdParams,
    query: z.strictObject({
      status: z.enum(['pending', 'sent', 'failed', 'cancelled']).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    responses: {
      200: { description: 'Mails', schema: z.strictObject({ data: z.array(deliverySchema) }) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query }) => {
      await requireAccount(deps.ledger.db, params.id);
      return { status: 200, body: await listEmailDeliveries(deps.ledger.db, { accountId: params.id, ...query }) };
    },
  });
}
