import { describe, expect, it } from 'vitest';
import { getHold } from '../../src/ledger/index.js';
import { loadPricingCatalog } from '../../src/consumption/pricing/catalog.js';
import { CONSUMPTION_WORKFLOW_TYPE, type ConsumptionOutcome } from '../../src/contracts/consumption.js';
import { useTimeSkippingWorker } from '../grants/time-skipping.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { consumptionInput, defaultSettings, fundedAccount, pricingDir } from './fixture.js';

const catalog = await loadPricingCatalog(pricingDir);
const f = useLedgerFixture();
const t = useTimeSkippingWorker(
  () => ({ ledger: f.deps, consumption: { ledger: f.deps, catalog, settings: defaultSettings } }),
  () => f.clock,
);

describe('consumption saga timeouts (time-skipping server)', () => {
  it('releases the hold when no completion is reported within the timeout', async () => {
    const acct = await fundedAccount(f.deps, '10');
    const input = consumptionInput(acct, { estimate: '2', execute: { mode: 'report', timeoutSeconds: 6 * 3600 } });
    const handle = await t.env.client.workflow.start(CONSUMPTION_WORKFLOW_TYPE, {
      workflowId: input.consumptionId,
      taskQueue: t.taskQueue,
      args: [input],
    });
    const outcome = (await handle.result()) as ConsumptionOutcome;
    expect(outcome).toMatchObject({ status: 'released', reason: 'timed out: no completion reported within 21600 seconds' });
    const row = await f.deps.db
      .selectFrom('consumptions')
      .select(['status', 'hold_id'])
      .where('id', '=', input.consumptionId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('released');
    expect((await getHold(f.deps.db, row.hold_id!)).status).toBe('released');
    await recordHistory(handle, 'consumption-timeout-local-steps');
  });
});
