/**
 * A Burndown worker in its own process (run with `node --import tsx`) that
 * dies by SIGKILL right after one activity's real work has returned: no
 * shutdown, no answer to Temporal. A local activity's result lives only in
 * its worker until the workflow task completes, so this is how a test kills
 * a worker between a ledger write and the history knowing of it (an
 * in-process worker.shutdown() would keep retrying the local activity).
 * Prints `ready` once it polls.
 *
 * argv: temporalAddress taskQueue bundlePath databaseUrl clockIso activityName settingsJson
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadPricingCatalog } from '../../src/consumption/pricing/catalog.js';
import type { ConsumptionSettings } from '../../src/consumption/settings.js';
import { createDatabase } from '../../src/db/database.js';

const [address, taskQueue, codePath, databaseUrl, clockIso, dieAfter, settingsJson] = process.argv.slice(2);
const db = createDatabase({ connectionString: databaseUrl!, poolSize: 2, applicationName: 'test-dying-worker' });
const ledger = { db, clock: () => new Date(clockIso!), holdDefaultTtlSeconds: 900, holdMaxTtlSeconds: 86_400 };
const pricingDir = new URL('../../pricing/', import.meta.url).pathname;
const consumption = { ledger, catalog: await loadPricingCatalog(pricingDir), settings: JSON.parse(settingsJson!) as ConsumptionSettings };
const real = createActivities({ ledger, consumption });
const step = (real as unknown as Record<string, ((...args: unknown[]) => Promise<unknown>) | undefined>)[dieAfter!];
if (!step) throw new Error(`no activity ${dieAfter}`);

const worker = await Worker.create({
  connection: await NativeConnection.connect({ address: address! }),
  taskQueue: taskQueue!,
  workflowBundle: { codePath: codePath! },
  activities: {
    ...real,
    async [dieAfter!](...args: unknown[]) {
      await step(...args);
      process.stdout.write(`dying after ${dieAfter}\n`);
      process.kill(process.pid, 'SIGKILL');
      return new Promise(() => {});
    },
  },
});
process.stdout.write('ready\n');
await worker.run();
