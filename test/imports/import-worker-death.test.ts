import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config/config.js';
import { importWorkflowId } from '../../src/contracts/imports.js';
import { createImport, type ImportView } from '../../src/imports/service.js';
import { findImport } from '../../src/imports/store.js';
import { getBalances } from '../../src/ledger/index.js';
import { spawnDyingWorker } from '../helpers/dying-worker-process.js';
import { importFile, toJsonl } from '../helpers/import-file.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

/**
 * Resumable after a crash: a worker process is SIGKILLed right after its
 * first batch committed, before Temporal heard of it. The batch's activity
 * times out (heartbeat), another worker retries it, and the retry takes the
 * rows still pending: every row is booked exactly once.
 */
const f = useLedgerFixture();
const t = useTemporalWorker(() => ({ ledger: f.deps }));
let bundleDir = '';

beforeAll(async () => {
  f.clock.set(new Date());
  bundleDir = await mkdtemp(join(tmpdir(), 'burndown-bundle-'));
  await writeFile(join(bundleDir, 'workflows.js'), t.bundle.code);
});
afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

describe('bulk import: the worker dies mid-import (real Temporal + real PostgreSQL)', () => {
  it('the next worker resumes with the pending rows and books every row once', { timeout: 120_000 }, async () => {
    const taskQueue = `import-crash-${randomBytes(4).toString('hex')}`;
    const dying = await spawnDyingWorker({
      temporalAddress: inject('temporalAddress'),
      taskQueue,
      bundlePath: join(bundleDir, 'workflows.js'),
      databaseUrl: f.database.url,
      clock: f.clock.now(),
      activity: 'processImportBatch',
    });
    const prefix = `crash${randomBytes(3).toString('hex')}`;
    const file = importFile({ prefix, accounts: 30, grantsPerAccount: 8, now: f.clock.now() });
    const config = { ...loadConfig({ BURNDOWN_ENV: 'test' }), TEMPORAL_TASK_QUEUE: taskQueue, IMPORT_BATCH_SIZE: 50 };
    const view = (await createImport(
      { ledger: f.deps, temporal: t.client, config },
      { format: 'jsonl', text: toJsonl(file.rows), validateOnly: false },
      { mode: 'live', audit: { actor: 'crash-test' } },
    )) as ImportView;
    expect(view.progress.total).toBe(273);

    // Worker A committed its first batch (the 30 accounts and 3 pins), then died before Temporal heard of it.
    expect(await dying.died).toBe('SIGKILL');
    expect(dying.said()).toContain('dying after processImportBatch');
    expect(await findImport(f.deps.db, view.id)).toMatchObject({ state: 'running', done_rows: 33, failed_rows: 0 });

    const handle = t.client.workflow.getHandle(importWorkflowId(view.id));
    const workerB = await Worker.create({
      connection: t.nativeConnection,
      taskQueue,
      workflowBundle: t.bundle,
      activities: createActivities({ ledger: f.deps }),
    });
    const result = await workerB.runUntil(handle.result());
    expect(result).toEqual({ importId: view.id, total: 273, done: 273, skipped: 0, failed: 0, pending: 0 });
    expect(await findImport(f.deps.db, view.id)).toMatchObject({ state: 'completed' });

    const { rows } = await sql<{ n: string }>`select count(*) as n from grants where external_ref like ${`migration:${prefix}-%`}
      group by external_ref`.execute(f.deps.db);
    expect(rows).toHaveLength(240);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    for (const [account, cents] of file.expected) {
      const ai = (await getBalances(f.deps.db, account, f.clock.now())).balances.find((b) => b.creditType === 'ai');
      expect(ai?.available).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
    }
    // The first batch's activity ran twice: worker A's attempt timed out (no heartbeat), worker B's took the next rows.
    type Event = { eventType: string; activityTaskStartedEventAttributes?: { attempt?: number } };
    const { events } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: Event[] };
    const started = events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED');
    expect(started[0]!.activityTaskStartedEventAttributes?.attempt).toBe(2);
    await recordHistory(handle, 'import-worker-died');
  });
});
