/**
 * The README's curl walkthrough, copied and pasted: its first shell block runs
 * verbatim under bash against the stack `npm start` wires, with only the
 * environment a reader has (PORT, DATA_DIR holding the local admin key). Every
 * call succeeds except the one meant to show a 402, and every id it needs is
 * captured, not typed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/runtime/sandbox.js';
import { useRunningStack } from '../helpers/stack.js';

// The sandbox `npm start` runs without a Stripe key (the simulated customer pays the purchase; HubSpot not under test).
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ HUBSPOT_ACCESS_TOKEN: 'not-used' }, createLogger('silent', 'test-sandbox'));
});
const stack = useRunningStack(() => ({ OUTBOX_RELAY_INTERVAL_SECONDS: '3600', ...sandbox.env }));
beforeAll(() => sandbox.deliverTo(stack.api.url));
afterAll(async () => {
  await sandbox?.stop();
});

async function walkthrough(): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Walkthrough (curl)'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  return block!;
}

describe('README walkthrough', () => {
  it('runs end to end as written', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'burndown-readme-'));
    try {
      await writeFile(join(dataDir, 'local-admin-key'), `${stack.adminKey}\n`);
      const script = await walkthrough();
      // Asynchronously: the API and the worker it calls run in this process.
      const run = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', script], {
        env: { ...process.env, PORT: new URL(stack.api.url).port, DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr).toBe('');
      const answers = run.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { status?: unknown; code?: string });
      // Problems carry their HTTP status; only the deliberate "out of credits" is one.
      const problems = answers.filter((a) => typeof a.status === 'number');
      expect(problems.map((p) => `${String(p.status)} ${p.code}`)).toEqual(['402 insufficient_credits']);
      expect(answers.length).toBeGreaterThanOrEqual(17);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const db = stack.core.db;
    const hold = await db.selectFrom('holds').select('status').where('account_id', '=', 'acme').executeTakeFirstOrThrow();
    expect(hold.status).toBe('committed');
    const event = await db.selectFrom('usage_events').select('id').where('id', '=', 'evt-1').executeTakeFirst();
    expect(event).toBeDefined();
    const recharge = await db.selectFrom('recharge_settings').select('enabled').where('account_id', '=', 'acme').executeTakeFirstOrThrow();
    expect(recharge.enabled).toBe(true);
    const dispute = await db.selectFrom('disputes').selectAll().where('account_id', '=', 'acme').executeTakeFirstOrThrow();
    expect(dispute).toMatchObject({ status: 'resolved', refunded_amount: '5.00' });
    // The purchase completed through the webhook (by now, or soon on a slow machine), its credits granted.
    const paid = async () =>
      db.selectFrom('purchases').select(['status', 'grant_id']).where('account_id', '=', 'acme').where('origin', '=', 'purchase').execute();
    for (let tries = 0; (await paid())[0]?.status !== 'succeeded' && tries < 50; tries++) await new Promise((r) => setTimeout(r, 200));
    expect(await paid()).toEqual([{ status: 'succeeded', grant_id: expect.any(String) }]);
  });
});
