import { heartbeat } from '@temporalio/activity';
import type { SimulationProgress } from '../src/contracts/pricing.js';
import type { RatedAccount } from '../src/consumption/rating.js';
import type { ConsumptionDeps } from '../src/consumption/settings.js';
import { markSimulationFailed } from '../src/consumption/simulation/simulation-store.js';
import { creditPrecisions, rateSimulationPage, type simulationRater } from '../src/consumption/simulation/simulation-page.js';
import { configured, mapFailures } from './failures.js';

/** One activity call rates pages for this long, then hands back to the workflow (which records progress in its history). */
const CALL_BUDGET_MS = 60_000;

/** The steps of a pricing simulation's workflow (issue 18). */
export function createPricingActivities(deps: { consumption?: ConsumptionDeps | undefined }) {
  return {
    /** Pages of the simulation's events until it is done or the call's budget is spent; a heartbeat per page. */
    async ratePricingSimulation(simulationId: string, pageSize: number): Promise<SimulationProgress> {
      const { ledger } = configured(deps.consumption, 'consumption');
      const precisions = await creditPrecisions(ledger.db);
      const cache: { rater?: ReturnType<typeof simulationRater>; precisions: typeof precisions; accounts: Map<string, RatedAccount> } = {
        precisions,
        accounts: new Map(),
      };
      const started = Date.now();
      return mapFailures(
        (async () => {
          for (;;) {
            const progress = await rateSimulationPage(ledger.db, { id: simulationId, pageSize, now: ledger.clock() }, cache);
            heartbeat(progress);
            if (progress.state !== 'running' || Date.now() - started > CALL_BUDGET_MS) return progress;
          }
        })(),
      );
    },
    async failPricingSimulation(simulationId: string, reason: string): Promise<SimulationProgress> {
      const { ledger } = configured(deps.consumption, 'consumption');
      return markSimulationFailed(ledger.db, simulationId, reason, ledger.clock());
    },
  };
}

export type PricingActivities = ReturnType<typeof createPricingActivities>;
