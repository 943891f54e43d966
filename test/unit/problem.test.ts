import { describe, expect, it } from 'vitest';
import { toProblem } from '../../src/api/problem.js';
import { LedgerOverloadedError } from '../../src/errors.js';

describe('toProblem', () => {
  it('maps a ledger overload to 503 with Retry-After', () => {
    const { problem, headers } = toProblem(new LedgerOverloadedError(2), { buyCreditsUrl: () => '' });
    expect(problem).toMatchObject({ status: 503, code: 'ledger_overloaded', title: 'Service Unavailable' });
    expect(headers).toEqual({ 'Retry-After': '2' });
  });
});
