import { ActivityFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PricingActivities } from '../../activities/pricing.js';
import type { SimulationInput, SimulationProgress } from '../../src/contracts/pricing.js';
import { simulationActivity } from '../presets.js';

const { ratePricingSimulation, failPricingSimulation } = proxyActivities<PricingActivities>(simulationActivity);

/**
 * One pricing simulation (issue 18): re-rates the stored usage events of a
 * window under a candidate, page by page, and sums actual against simulated
 * credits per account and feature. The events, the cursor and the sums are
 * in the database; the workflow carries only the simulation's id. Nothing is
 * written to the ledger. Long runs continue as new when the history grows.
 */
export async function pricingSimulationWorkflow(input: SimulationInput): Promise<SimulationProgress> {
  for (;;) {
    let progress: SimulationProgress;
    try {
      progress = await ratePricingSimulation(input.simulationId, input.pageSize);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      return failPricingSimulation(input.simulationId, error.cause?.message ?? error.message);
    }
    if (progress.state !== 'running') return progress;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof pricingSimulationWorkflow>(input);
  }
}
