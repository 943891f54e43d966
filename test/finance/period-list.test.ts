import { describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);

describe('finance periods (GET /v1/finance/periods)', () => {
  it('lists finance periods newest first with their revenue', async () => {
    const now = new Date();
    await f.deps.db
      .insertInto('finance_periods')
      .values({
        period: '2025-07',
        status: 'posted',
        workflow_id: 'close-2025-07',
        started_by: 'alice@example.com',
        started_at: now,
        late_events_until: now,
        approved_by: 'bob@example.com',
        posted_at: now,
        updated_at: now,
        totals: JSON.stringify({
          purchased: [
            {
              currency: 'USD',
              soldMinor: '5000',
              recognizedMinor: '1250',
              breakageMinor: '5',
              voidedMinor: '0',
              closingDeferredMinor: '3745',
              openingDeferredMinor: '0',
            },
          ],
        }),
      })
      .execute();
    const res = await call(api, 'GET', '/v1/finance/periods', { key: await api.key(['finance']) });
    expect(res.status).toBe(200);
    expect(res.body!.data).toContainEqual(
      expect.objectContaining({
        period: '2025-07',
        status: 'posted',
        step: null,
        approvedBy: 'bob@example.com',
        revenue: [{ currency: 'USD', sold: '50.00', recognized: '12.50', breakage: '0.05', voided: '0.00', closingDeferred: '37.45' }],
      }),
    );
    expect((await call(api, 'GET', '/v1/finance/periods', { key: await api.key(['support']) })).status).toBe(403);
  });
});
