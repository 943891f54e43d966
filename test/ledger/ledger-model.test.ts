import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkLedgerInvariants } from '../../src/ledger/invariants.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { correctionCommands } from './model/commands-corrections.js';
import { spendCommands } from './model/commands-spend.js';
import { CT } from './model/harness.js';
import { dec, emptyModel } from './model/model.js';

/**
 * Model-based test: random sequences of ledger operations on one account and
 * one credit type ('ai', precision 2) run against the real ledger and against
 * a small in-memory model written from the documented rules (burn order,
 * settle, holds, refunds, voids, expiry). After every command the balances
 * must match the model; after every run the ledger invariants must hold.
 *
 * The model is in test/ledger/model/model.ts, its commands beside it.
 *
 * Replay a failure with the seed and path fast-check prints:
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run test/ledger/ledger-model.test.ts
 */
const f = useLedgerFixture();
const seed = process.env.FC_SEED === undefined ? 20_261_121 : Number(process.env.FC_SEED);
const path = process.env.FC_PATH;

const { grantCmd, deductCmd, holdCmd, commitCmd } = spendCommands(f);
const { releaseCmd, refundCmd, voidCmd, expireCmd, sweepCmd, clockCmd } = correctionCommands(f);

it('random ledger operations keep the balances the model predicts, and the invariants', async () => {
  await fc.assert(
    fc.asyncProperty(
      // The account's overdraft limit: none in two runs of three.
      fc.constantFrom(0n, 0n, 2000n),
      // Repeated entries weigh the mix: grants and deducts keep the account busy,
      // holds need commits to reach refunds.
      fc.commands(
        [
          ...[grantCmd, deductCmd, holdCmd, commitCmd, refundCmd, clockCmd].flatMap((c) => [c, c]),
          ...[releaseCmd, voidCmd, expireCmd, sweepCmd],
        ],
        { maxCommands: 60, size: 'max' },
      ),
      async (limit, cmds) => {
        // A fresh account per run; the clock only ever moves forward.
        const accountId = await newAccount(f.deps, limit > 0n ? { overdraftLimit: { [CT]: dec(limit) } } : {});
        const model = emptyModel(f.clock.now().getTime(), limit);
        await fc.asyncModelRun(() => ({ model, real: { accountId } }), cmds);
        expect(await checkLedgerInvariants(f.deps.db)).toEqual([]);
      },
    ),
    // 50 runs of up to 60 commands: about 10 s on two cores.
    { seed, path, numRuns: 50 },
  );
  // Room for fast-check to shrink a failure (each step replays against the database).
}, 300_000);
