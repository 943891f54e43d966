import { defineConfig } from 'vitest/config';

/** npm run test:faults: fault injection against real servers, one file at a time. */
export default defineConfig({
  test: {
    include: [
      'test/faults/**/*.test.ts',
      // Fault cases that live with their area and also run in `npm test`:
      // worker killed mid-saga and mid-recharge (exactly-once after restart),
      // Stripe and HubSpot fakes timing out, answering 500 and 429.
      'test/consumption/saga.test.ts',
      'test/payments/recharge.test.ts',
      'test/crm/hubspot-sync.test.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default'],
  },
});
