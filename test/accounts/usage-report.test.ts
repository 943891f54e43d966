import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageReport, type Granularity } from '../../src/accounts/usage-report.js';
import { commitHold, createHold, deduct, issueGrant, refundBurn } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The oracle: an entry's bucket key in a time zone, computed by ICU (Intl), not by PostgreSQL. */
function bucketKey(instant: Date, timeZone: string, granularity: Granularity): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const [y, m, d] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  if (granularity === 'month') return `${parts.year}-${parts.month}`;
  if (granularity === 'day') return `${parts.year}-${parts.month}-${parts.day}`;
  const local = new Date(Date.UTC(y, m - 1, d));
  local.setUTCDate(local.getUTCDate() - ((local.getUTCDay() + 6) % 7)); // back to Monday
  return local.toISOString().slice(0, 10);
}

/** Random burns, committed holds and refunds over 70 days spanning the 2026 DST changes in March (US on the 8th, EU on the 29th); the seed replays a failure. */
async function seedUsage(seed: number) {
  const ops = fc.sample(
    fc.record({
      at: fc.integer({ min: 0, max: 70 * DAY - 1 }),
      feature: fc.constantFrom('chat', 'image', undefined),
      creditType: fc.constantFrom('ai', 'ai', 'ai', 'storage'),
      whole: fc.integer({ min: 1, max: 500 }),
      cents: fc.integer({ min: 0, max: 99 }),
      kind: fc.constantFrom('burn', 'burn', 'burn', 'burn+refund', 'hold'),
      later: fc.integer({ min: 0, max: 3 * DAY }),
    }),
    { seed, numRuns: 60 },
  );
  const id = await newAccount(f.deps);
  f.clock.set(new Date('2026-02-01T00:00:00Z'));
  await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '100000', source: 'purchase' }, actor);
  await issueGrant(f.deps, { accountId: id, creditType: 'storage', amount: '100000', source: 'purchase' }, actor);
  for (const op of ops) {
    f.clock.set(new Date(Date.parse('2026-02-01T00:00:00Z') + op.at));
    const { creditType, feature } = op;
    const amount = creditType === 'ai' ? `${op.whole}.${String(op.cents).padStart(2, '0')}` : String(1 + (op.whole % 40));
    if (op.kind === 'hold') {
      const hold = await createHold(f.deps, { accountId: id, creditType, amount, feature }, actor);
      f.clock.advance(op.later % 600_000);
      await commitHold(f.deps, hold.id, undefined, { ...actor, feature });
      continue;
    }
    const burn = await deduct(f.deps, { accountId: id, creditType, amount }, { ...actor, feature });
    if (op.kind === 'burn+refund') {
      f.clock.advance(op.later);
      await refundBurn(f.deps, { accountId: id, transactionId: burn.transactionId }, { ...actor, reason: 'test' });
    }
  }
  return id;
}

async function expectedSums(accountId: string, timeZone: string, granularity: Granularity) {
  const entries = await f.deps.db
    .selectFrom('ledger_entries')
    .select(['entry_type', 'amount', 'credit_type', 'feature', 'created_at'])
    .where('initiator_account_id', '=', accountId)
    .where('entry_type', 'in', ['burn', 'commit', 'refund'])
    .execute();
  const sums = new Map<string, { burned: bigint; refunded: bigint }>();
  for (const e of entries) {
    const key = `${e.credit_type}|${e.feature ?? ''}|${bucketKey(e.created_at, timeZone, granularity)}`;
    const s = sums.get(key) ?? { burned: 0n, refunded: 0n };
    if (e.entry_type === 'refund') s.refunded += e.amount;
    else s.burned += e.amount;
    sums.set(key, s);
  }
  return sums;
}

const units = (text: string, precision: number) =>
  BigInt(text.replace('.', '')) * 10n ** BigInt(precision - (text.split('.')[1]?.length ?? 0));

describe('usage analytics (GET /v1/accounts/{id}/usage)', () => {
  it('equals the entries summed in each time zone, bucket by bucket, for days, ISO weeks and months', async () => {
    const id = await seedUsage(20261129);
    for (const timeZone of ['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Asia/Kathmandu']) {
      for (const granularity of ['day', 'week', 'month'] as const) {
        const report = await usageReport(f.deps.db, {
          accountId: id,
          from: new Date('2026-01-25T00:00:00Z'),
          to: new Date('2026-04-20T00:00:00Z'),
          granularity,
          groupBy: 'feature',
          timeZone,
        });
        const where = `${timeZone} ${granularity}`;
        expect(report.resolutionMinutes, where).toBe(timeZone.startsWith('Asia/') ? 15 : 60);
        const expected = await expectedSums(id, timeZone, granularity);
        const got = new Map<string, { burned: bigint; refunded: bigint }>();
        for (const s of report.series) {
          const precision = s.creditType === 'ai' ? 2 : 0;
          report.buckets.forEach((b, i) => {
            const burned = units(s.burned[i]!, precision);
            const refunded = units(s.refunded[i]!, precision);
            if (burned === 0n && refunded === 0n) return;
            got.set(`${s.creditType}|${s.feature ?? ''}|${bucketKey(new Date(b.start), timeZone, granularity)}`, { burned, refunded });
          });
        }
        expect(got, where).toEqual(expected);
        // Every bucket starts at a local midnight (ICU's opinion), and the next starts where it ends.
        for (const [i, b] of report.buckets.entries()) {
          const local = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
            new Date(b.start),
          );
          expect(local, `${where} bucket ${i}`).toBe('00:00');
          if (i > 0) expect(b.start).toBe(report.buckets[i - 1]!.end);
        }
      }
    }
  });

  it('has 23-hour and 25-hour days at the DST changes of the time zone asked for', async () => {
    const id = await newAccount(f.deps);
    const report = await usageReport(f.deps.db, {
      accountId: id,
      from: new Date('2026-03-07T12:00:00Z'),
      to: new Date('2026-11-02T12:00:00Z'),
      granularity: 'day',
      groupBy: 'creditType',
      timeZone: 'America/New_York',
    });
    const hours = (b: { start: string; end: string }) => (Date.parse(b.end) - Date.parse(b.start)) / HOUR;
    const byDay = new Map(report.buckets.map((b) => [bucketKey(new Date(b.start), 'America/New_York', 'day'), hours(b)]));
    expect(byDay.get('2026-03-08')).toBe(23);
    expect(byDay.get('2026-11-01')).toBe(25);
    expect(byDay.get('2026-06-01')).toBe(24);
    expect(report.from).toBe('2026-03-07T05:00:00.000Z');
  });

  it('counts a pooled child’s burns of its parent’s grants for the child', async () => {
    const parent = await newAccount(f.deps);
    const child = await newAccount(f.deps, { parentId: parent });
    f.clock.set(new Date('2026-03-01T10:00:00Z'));
    await issueGrant(f.deps, { accountId: parent, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    await deduct(f.deps, { accountId: child, creditType: 'ai', amount: '12.5' }, { ...actor, feature: 'chat' });
    const q = {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T00:00:00Z'),
      granularity: 'day' as const,
      groupBy: 'feature' as const,
      timeZone: 'UTC',
    };
    expect((await usageReport(f.deps.db, { ...q, accountId: child })).series).toEqual([
      expect.objectContaining({ creditType: 'ai', feature: 'chat', burned: ['12.50'], totalBurned: '12.50' }),
    ]);
    expect((await usageReport(f.deps.db, { ...q, accountId: parent })).series).toEqual([]);
  });

  it('refuses bad input with field errors', async () => {
    const id = await newAccount(f.deps);
    const bad = async (query: string) => (await call(api, 'GET', `/v1/accounts/${id}/usage?${query}`)).body!;
    expect(await bad('from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toMatchObject({ status: 400, errors: [{ path: 'query.to' }] });
    expect(await bad('from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&timeZone=Mars/Olympus')).toMatchObject({
      status: 400,
      errors: [{ path: 'query.timeZone' }],
    });
    expect(await bad('from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toMatchObject({ status: 400, errors: [{ path: 'query.from' }] });
    expect(await bad('from=2026-01-01T00:00:00Z&granularity=hour')).toMatchObject({ status: 400 });
    expect(await bad('from=yesterday')).toMatchObject({ status: 400, errors: [{ path: 'query.from' }] });
  });
});
