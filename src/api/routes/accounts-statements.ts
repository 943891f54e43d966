import type { Request, Response } from 'express';
import { z } from 'zod';
import { statementCsv } from '../../accounts/statement-csv.js';
import { statementPdf } from '../../accounts/statement-pdf.js';
import { statementOf } from '../../accounts/service.js';
import { sendRaw, type RouteResult } from '../response.js';
import type { DefineRoute } from '../route.js';
import { decimalString, idString, problemSchema } from '../schemas/common.js';
import { notBilledSchema } from '../schemas/usage.js';

const signedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const money = z.object({ amount: decimalString, currency: z.string() });

const statementSchema = z
  .object({
    accountId: z.string(),
    accountName: z.string(),
    period: z.string(),
    from: z.string(),
    to: z.string(),
    complete: z.boolean(),
    generatedAt: z.string(),
    creditTypes: z.array(
      z.object({
        creditType: z.string(),
        name: z.string(),
        opening: signedDecimal,
        granted: decimalString,
        burned: decimalString,
        expired: decimalString,
        refunded: decimalString,
        voided: decimalString,
        adjustments: signedDecimal,
        closing: signedDecimal,
      }),
    ),
    grantsIssued: z.array(
      z.object({
        id: z.string(),
        creditType: z.string(),
        source: z.string(),
        amount: decimalString,
        issuedAt: z.string(),
        effectiveAt: z.string(),
        expiresAt: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    grantsExpired: z.array(
      z.object({ id: z.string(), creditType: z.string(), source: z.string(), expired: decimalString, expiredAt: z.string() }),
    ),
    burnByFeature: z.array(
      z.object({
        creditType: z.string(),
        feature: z.string().nullable(),
        burned: decimalString,
        refunded: decimalString,
        net: signedDecimal,
      }),
    ),
    purchases: z.array(
      z.object({
        grantId: z.string(),
        creditType: z.string(),
        credits: decimalString,
        price: money,
        purchasedAt: z.string(),
        reference: z.string().nullable(),
      }),
    ),
    purchaseTotals: z.array(money),
    notBilled: notBilledSchema,
  })
  .meta({ id: 'Statement' });

const formats = ['json', 'csv', 'pdf'] as const;
type Format = (typeof formats)[number];
const mediaTypes: Record<Format, string> = { json: 'application/json', csv: 'text/csv', pdf: 'application/pdf' };

/** `format` when given; otherwise the best of the Accept header; JSON when it names none of the three. */
function chosenFormat(req: Request, format: Format | undefined): Format {
  if (format) return format;
  const best = req.accepts(Object.values(mediaTypes));
  return formats.find((f) => mediaTypes[f] === best) ?? 'json';
}

/** Statements (src/accounts/statement.ts): one account's month as JSON, CSV or PDF. */
export function registerAccountStatementRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/accounts/{id}/statements/{period}',
    summary: 'Monthly statement',
    description:
      'One UTC month (`YYYY-MM`) of the account, per credit type: opening + granted − burned − expired + adjustments (refunded − voided) = closing; the grants issued and expired; what its usage burned per feature (whichever pool’s credits paid); and the purchases with their price. The running month gives the statement so far (`complete: false`); a month not yet started is a 400. JSON, CSV or PDF: `format` wins, otherwise the Accept header (`application/json`, `text/csv`, `application/pdf`), otherwise JSON.',
    tags: ['Balances'],
    scopes: ['admin', 'support', 'finance', 'customer', 'wallet'],
    access: { path: ['id'] },
    params: z.strictObject({ id: idString, period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2026-03') }),
    query: z.strictObject({ format: z.enum(formats).optional() }),
    responses: {
      200: { description: 'The statement', schema: statementSchema, contentTypes: Object.values(mediaTypes) },
      404: { description: 'No such account', schema: problemSchema },
    },
    handler: async ({ deps, params, query, req }): Promise<RouteResult> => {
      const statement = await statementOf(deps, params.id, params.period);
      const format = chosenFormat(req, query.format);
      const filename = `statement-${params.id}-${params.period}.${format}`;
      (req.res as Response).setHeader('Vary', 'Accept');
      if (format === 'json') return { status: 200, body: statement };
      if (format === 'csv') return sendRaw(req, 'text/csv; charset=utf-8', statementCsv(statement), filename);
      return sendRaw(req, 'application/pdf', await statementPdf(statement), filename);
    },
  });
}
