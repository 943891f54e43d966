import { z } from 'zod';
import { shadowReport } from '../../consumption/shadow-report.js';
import type { DefineRoute } from '../route.js';
import { decimalString, isoTime, problemSchema } from '../schemas/common.js';

const tally = z.object({ count: z.number().int(), credits: decimalString });
const shadowReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    data: z.array(
      z.object({ accountId: z.string(), feature: z.string().nullable(), creditType: z.string(), refused: tally, shadowed: tally }),
    ),
    truncated: z.boolean().meta({ description: 'More groups than `limit`: the ones with the most refused credits are shown' }),
  })
  .meta({ id: 'ShadowReport' });

export function registerShadowReportRoutes(define: DefineRoute): void {
  define({
    method: 'get',
    path: '/v1/reports/shadow',
    summary: 'Shadow report: what enforce mode would have refused',
    description:
      'Per account, feature and credit type over [from, to): what enforce mode would have refused while it ran in shadow (count and credits), beside everything shadowed. From what shadow mode recorded: consumption reserves, usage-event burns (beyond the overdraft they would wait for funds), deducts and holds.',
    tags: ['Consumption'],
    scopes: ['admin', 'finance'],
    access: { global: true },
    query: z.strictObject({ from: isoTime, to: isoTime, limit: z.coerce.number().int().min(1).max(5000).default(500) }),
    responses: {
      200: { description: 'Groups, most refused credits first', schema: shadowReportSchema },
      400: { description: 'Bad or empty window', schema: problemSchema },
    },
    handler: async ({ deps, query }) => ({ status: 200, body: await shadowReport(deps.ledger.db, query) }),
  });
}
