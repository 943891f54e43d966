import { ApplicationFailure } from '@temporalio/activity';
import type { ConsumptionDeps } from '../src/consumption/settings.js';
import { burnPendingEvents, type MeteringResult } from '../src/usage-events/metering.js';

/** Metering activities: burn pending usage events in batches (R-C4). */
export function createUsageEventActivities(deps: { consumption?: ConsumptionDeps | undefined }) {
  return {
    async burnPendingUsageEvents(limit: number): Promise<MeteringResult> {
      if (!deps.consumption) {
        throw ApplicationFailure.create({
          message: 'This worker has no consumption dependencies (ActivityDeps.consumption)',
          type: 'not_configured',
          nonRetryable: true,
        });
      }
      return burnPendingEvents(deps.consumption, limit);
    },
  };
}

export type UsageEventActivities = ReturnType<typeof createUsageEventActivities>;
