import fc from 'fast-check';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { correctionCommands } from '../ledger/model/commands-corrections.js';
import { spendCommands } from '../ledger/model/commands-spend.js';
import { emptyModel } from '../ledger/model/model.js';
import { deduct, expireGrant, issueGrant } from '../../src/ledger/index.js';

/**
 * The reporting views (migrations/2026-11-29T130000_reporting.ts) agree with
 * the ledger: after seeded random operations (the model-based test's
 * commands: grants, deducts, holds, commits, releases, refunds, voids,
 * expiries), the per-day views summed over all days equal each balance's
 * lifetime totals, and the balances view equals the balances. And the BI role
 * reads the views but not the tables under them.
 *
 * Replay a failure with FC_SEED=<seed> npx vitest run test/reporting/reporting-views.test.ts
 */
const f = useLedgerFixture();
const seed = process.env.FC_SEED === undefined ? 20_261_129 : Number(process.env.FC_SEED);
const { grantCmd, deductCmd, holdCmd, commitCmd } = spendCommands(f);
const { releaseCmd, refundCmd, voidCmd, expireCmd, sweepCmd, clockCmd } = correctionCommands(f);

it('after random ledger operations, the views sum to every balance’s lifetime totals', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.commands([grantCmd, deductCmd, holdCmd, commitCmd, refundCmd, clockCmd, releaseCmd, voidCmd, expireCmd, sweepCmd], {
        maxCommands: 40,
        size: 'max',
      }),
      async (cmds) => {
        const accountId = await newAccount(f.deps);
        const model = emptyModel(f.clock.now().getTime(), 0n);
        await fc.asyncModelRun(() => ({ model, real: { accountId } }), cmds);
      },
    ),
    { seed, numRuns: 15 },
  );

  // Every balance against the views' sums, compared by PostgreSQL in numeric (exact): the rows that disagree.
  const views = (column: string, view: string, value: string) =>
    sql`coalesce((select sum(${sql.ref(value)}) from ${sql.table(`reporting.${view}`)} v
                   where v.account_id = r.account_id and v.credit_type = r.credit_type), 0) as ${sql.ref(column)}`;
  const { rows: disagreeing } = await sql`
    with r as (select * from reporting.balances)
    select * from (
      select r.account_id, r.credit_type, r.granted, r.burned, r.refunded, r.expired,
             ${views('v_granted', 'grants_issued', 'amount')}, ${views('v_burned', 'daily_burn', 'burned')},
             ${views('v_refunded', 'daily_burn', 'refunded')}, ${views('v_expired', 'expiries', 'expired')}
        from r) x
     where (granted, burned, refunded, expired) is distinct from (v_granted, v_burned, v_refunded, v_expired)`.execute(f.deps.db);
  expect(disagreeing).toEqual([]);

  // The balances view is the balances table, scaled.
  const { rows: unlike } = await sql`
    select b.account_id from balances b join credit_types ct on ct.id = b.credit_type
      join reporting.balances r using (account_id, credit_type)
     where r.balance * power(10::numeric, ct.precision) <> b.balance or r.held * power(10::numeric, ct.precision) <> b.held
        or r.debt * power(10::numeric, ct.precision) <> b.debt`.execute(f.deps.db);
  expect(unlike).toEqual([]);

  // The random runs reached every kind the views sum, so the comparison above compared something.
  const { rows: reached } = await sql<{ accounts: string; burned: boolean; refunded: boolean; expired: boolean }>`
    select (select count(*) from reporting.balances)::text as accounts,
           exists (select from reporting.daily_burn where burned > 0) as burned,
           exists (select from reporting.daily_burn where refunded > 0) as refunded,
           exists (select from reporting.expiries) as expired`.execute(f.deps.db);
  expect(reached[0]).toMatchObject({ burned: true, refunded: true, expired: true });
  expect(Number(reached[0]!.accounts)).toBeGreaterThanOrEqual(5);
}, 300_000);

it('breakage is the expired share of a purchased grant’s cost basis, rounded to the minor unit', async () => {
  const accountId = await newAccount(f.deps);
  const expiresAt = new Date(f.clock.now().getTime() + 60_000);
  // 3.00 credits for 1.00 USD; all 3.00 expire: breakage 100 cents. 1.00 of another such grant burned first, 2.00
  // expire: 66.67 → 67 cents.
  const costBasis = { amount: '1.00', currency: 'USD' };
  const first = await issueGrant(
    f.deps,
    { accountId, creditType: 'ai', amount: '3', source: 'purchase', costBasis, expiresAt },
    { actor: 'test' },
  );
  const second = await issueGrant(
    f.deps,
    { accountId, creditType: 'storage', amount: '3', source: 'purchase', costBasis, expiresAt },
    { actor: 'test' },
  );
  await deduct(f.deps, { accountId, creditType: 'storage', amount: '1' }, { actor: 'test' });
  f.clock.advance(120_000);
  for (const grant of [first, second]) await expireGrant(f.deps, grant.id, { actor: 'test' });
  const { rows } = await sql<{ credit_type: string; expired: string; breakage_minor: string }>`
    select credit_type, expired::text, breakage_minor::text from reporting.expiries where account_id = ${accountId} order by credit_type`.execute(
    f.deps.db,
  );
  expect(rows).toEqual([
    { credit_type: 'ai', expired: '3.00', breakage_minor: '100' },
    { credit_type: 'storage', expired: '2', breakage_minor: '67' },
  ]);
});

it('the BI role reads the views and nothing under them', async () => {
  const asReporting = async <T>(statement: ReturnType<typeof sql>) =>
    f.deps.db.transaction().execute(async (tx) => {
      await sql`set local role burndown_reporting`.execute(tx);
      return (await statement.execute(tx)).rows as T[];
    });
  for (const view of ['daily_burn', 'grants_issued', 'expiries', 'purchases', 'balances']) {
    await expect(asReporting(sql`select * from ${sql.table(`reporting.${view}`)} limit 1`)).resolves.toBeDefined();
  }
  for (const table of ['ledger_entries', 'grants', 'api_keys', 'idempotency_keys', 'audit_log']) {
    await expect(asReporting(sql`select 1 from ${sql.table(table)} limit 1`)).rejects.toThrow(/permission denied/);
  }
});
