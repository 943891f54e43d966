import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ExecuteRequest, ExecuteResult, ProductExecuteActivities } from '../../src/contracts/consumption.js';

/** The product's real work for one consumption: returns the actual quantity used (decimal string). */
export type ProductJob = (request: ExecuteRequest) => Promise<string>;

/**
 * The execute step of the consumption saga, as the product implements it on
 * its own task queue. Burndown's workflow calls `executeConsumption` there; the
 * product does its work and answers with the actual quantity. A failure the
 * product knows is final is non-retryable (Burndown then releases the hold);
 * anything else is retried by Temporal.
 */
export function createProductActivities(job: ProductJob): ProductExecuteActivities {
  return {
    async executeConsumption(request: ExecuteRequest): Promise<ExecuteResult> {
      Context.current().log.info('executing consumption', { consumptionId: request.consumptionId, feature: request.feature });
      return { actualQuantity: await job(request) };
    },
  };
}

/** The example's job: a pretend chat completion that uses a little less than estimated, and refuses an empty request. */
export const exampleChatJob: ProductJob = async (request) => {
  if (request.estimate === '0') throw ApplicationFailure.nonRetryable('nothing to do', 'empty_request');
  await new Promise((resolve) => setTimeout(resolve, 10));
  return request.estimate;
};
