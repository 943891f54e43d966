import type { JournalLine } from '../journal.js';

/** What an accounting system accepted for one journal line. */
export interface PostedLine {
  lineId: string;
  externalRef: string | null;
}

export interface AccountingTotals {
  currency: string;
  debits: bigint;
  credits: bigint;
}

/**
 * Where a closed period's journal goes (R-I3). Posting is idempotent by
 * period and line id: the caller passes the lines already accepted, the
 * adapter sends only the others (each with its own idempotency key where the
 * system has one) and reports each accepted line through `accepted` at once,
 * so a crash half-way never posts a line twice.
 */
export interface AccountingAdapter {
  readonly name: string;
  post(
    period: string,
    lines: readonly JournalLine[],
    alreadyPosted: ReadonlySet<string>,
    accepted: (line: PostedLine) => Promise<void>,
  ): Promise<void>;
  /** The accounting system's own totals of a period per currency, when it can tell (reconciliation); null when it cannot. */
  readTotals(period: string): Promise<AccountingTotals[] | null>;
}

/** A posting the accounting system refused for good (4xx): retrying will not help. */
export class PostingRejectedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'PostingRejectedError';
  }
}
