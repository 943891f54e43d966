import { defineConfig } from 'vitest/config';

/**
 * npm run test:faults: fault injection and heavy tests against real servers,
 * one file at a time (CI runs it after `npm test`).
 */
export default defineConfig({
  test: {
    include: [
      'test/faults/**/*.test.ts',
      // Fault cases that live with their area and also run in `npm test`:
      // worker killed mid-saga and mid-recharge (exactly-once after restart),
      // Stripe and HubSpot fakes timing out, answering 500 and 429.
      'test/consumption/saga.test.ts',
      'test/consumption/saga-worker-death.test.ts',
      'test/payments/recharge.test.ts',
      'test/crm/hubspot-sync.test.ts',
      'test/crm/hubspot-timeline.test.ts',
      // Export streaming at the size, alone: a million rows within bounded memory.
      'test/audit/export-streaming.test.ts',
    ],
    env: { EXPORT_ROWS: '1000000' },
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default'],
  },
});
