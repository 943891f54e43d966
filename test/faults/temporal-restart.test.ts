import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueGrant } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { startTemporalDevServer, type RunningTemporal } from '../../src/stack/temporal-dev-server.js';
import { grantExpiryWorkflowId } from '../../src/contracts/grants.js';
import { bundleWorkflows } from '../../workers/bundle.js';
import { createBurndownWorker } from '../../workers/worker.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';

const f = useLedgerFixture();

describe('Temporal server restarted', () => {
  const dataDir = resolve('.data', `faults-temporal-${process.pid}`);
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('a running workflow resumes after the server restarts and its effect happens once', async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    const logger = createLogger('silent', 'faults');
    const port = await freeLoopbackPort();
    const start = () => startTemporalDevServer({ dataDir, port, uiPort: 0, logger, headless: true });
    let server: RunningTemporal = await start();
    const address = server.address;
    const taskQueue = 'faults-restart';
    // Real time here: the workflow's timer and the ledger must agree on "now".
    const ledger = { ...f.deps, clock: () => new Date() };
    const nativeConnection = await NativeConnection.connect({ address });
    const worker = await createBurndownWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: { ledger },
      workflowBundle: await bundleWorkflows(),
    });
    const running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address }) });
    try {
      const account = await newAccount(ledger);
      const grant = await issueGrant(
        ledger,
        { accountId: account, creditType: 'ai', amount: '40', source: 'promo', expiresAt: new Date(Date.now() + 12_000) },
        actor,
      );
      const handle = await client.workflow.start('grantExpiryWorkflow', {
        taskQueue,
        workflowId: grantExpiryWorkflowId(grant.id),
        args: [{ grantId: grant.id, expiringNoticeMs: 0 }],
      });
      // Let the workflow reach its durable timer, then take the server away.
      await new Promise((r) => setTimeout(r, 3_000));
      await server.stop();
      await new Promise((r) => setTimeout(r, 2_000));
      server = await start();

      const result = await handle.result();
      expect(result.outcome).toBe('expired');
      const expiries = await f.deps.db
        .selectFrom('ledger_entries')
        .select(['amount', 'created_at'])
        .where('account_id', '=', account)
        .where('entry_type', '=', 'expiry')
        .execute();
      expect(expiries.map((e) => e.amount)).toEqual([4000n]);
    } finally {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
      await client.connection.close();
      await server.stop();
    }
  });
});
