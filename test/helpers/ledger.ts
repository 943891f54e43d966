import { afterAll, afterEach, beforeAll } from 'vitest';
import type { LedgerDeps } from '../../src/ledger/context.js';
import type { Database } from '../../src/db/database.js';
import { createAccount, createCreditType, issueGrant } from '../../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { expectLedgerInvariants } from './invariants.js';

/** A clock tests can move; ledger operations read time only through it. */
export class TestClock {
  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
}

export interface LedgerFixture {
  database: TestDatabase;
  clock: TestClock;
  deps: LedgerDeps;
}

/**
 * Per test file: a fresh database, a test clock, and the invariant check after
 * every test. Returns a holder filled in beforeAll.
 */
export function useLedgerFixture(): LedgerFixture {
  const fixture = {} as LedgerFixture;
  beforeAll(async () => {
    fixture.database = await createTestDatabase(60);
    fixture.clock = new TestClock();
    fixture.deps = {
      db: fixture.database.db,
      clock: fixture.clock.now,
      holdDefaultTtlSeconds: 900,
      holdMaxTtlSeconds: 86_400,
    };
    await createCreditType(fixture.deps.db, { id: 'ai', name: 'AI credits', precision: 2 });
    await createCreditType(fixture.deps.db, { id: 'storage', name: 'Storage credits', precision: 0 });
  });
  afterEach(async () => {
    await expectLedgerInvariants(fixture.database.db);
  });
  afterAll(async () => {
    await fixture.database?.destroy();
  });
  return fixture;
}

let counter = 0;
/** A new account with a unique id. */
export async function newAccount(deps: LedgerDeps, extra: { parentId?: string; overdraftLimit?: Record<string, string> } = {}) {
  counter += 1;
  const id = `acct_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
  await createAccount(deps.db, { id, name: `Test ${id}`, ...extra });
  return id;
}

export const actor = { actor: 'test' };

/** A new account holding `amount` purchased 'ai' credits. */
export async function fundedAccount(deps: LedgerDeps, amount = '100') {
  const id = await newAccount(deps);
  await issueGrant(deps, { accountId: id, creditType: 'ai', amount, source: 'purchase' }, actor);
  return id;
}

/** How many burn entries an account has. */
export async function burnCount(db: Database, accountId: string) {
  const rows = await db
    .selectFrom('ledger_entries')
    .select('id')
    .where('account_id', '=', accountId)
    .where('entry_type', '=', 'burn')
    .execute();
  return rows.length;
}
