import type { JournalLine } from '../journal.js';
import { journalLineJson } from './json.js';
import { PostingRejectedError, type AccountingAdapter, type AccountingTotals } from './adapter.js';

export interface HttpAdapterOptions {
  baseUrl: string;
  token?: string | undefined;
  timeoutMs?: number;
}

/** The idempotency key of one line: the accounting system stores the first posting under it. */
export const postingKey = (period: string, lineId: string) => `burndown:${period}:${lineId}`;

/**
 * Posts each line to `POST {baseUrl}/journal-lines` with an Idempotency-Key of
 * period and line id, and reads totals from `GET {baseUrl}/periods/{period}/totals`.
 * 2xx (and 409: already there) is accepted; another 4xx is refused for good;
 * 5xx, 429 and network errors are thrown to be retried.
 */
export function httpAdapter(options: HttpAdapterOptions): AccountingAdapter {
  const base = options.baseUrl.replace(/\/$/, '');
  const headers = (extra: Record<string, string> = {}) => ({
    accept: 'application/json',
    ...(options.token && { authorization: `Bearer ${options.token}` }),
    ...extra,
  });
  const signal = () => AbortSignal.timeout(options.timeoutMs ?? 15_000);
  return {
    name: 'http',
    async post(period, lines: readonly JournalLine[], alreadyPosted, accepted) {
      for (const line of lines) {
        if (alreadyPosted.has(line.lineId)) continue;
        const response = await fetch(`${base}/journal-lines`, {
          method: 'POST',
          headers: headers({ 'content-type': 'application/json', 'idempotency-key': postingKey(period, line.lineId) }),
          body: JSON.stringify({ period, ...journalLineJson(line) }),
          signal: signal(),
        });
        const text = await response.text();
        if (response.ok || response.status === 409) {
          const ref = text ? ((JSON.parse(text) as { id?: string }).id ?? null) : null;
          await accepted({ lineId: line.lineId, externalRef: ref });
          continue;
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          throw new PostingRejectedError(
            `accounting system refused line ${line.lineId}: ${response.status} ${text.slice(0, 300)}`,
            response.status,
          );
        }
        throw new Error(`accounting system answered ${response.status} for line ${line.lineId}`);
      }
    },
    async readTotals(period): Promise<AccountingTotals[] | null> {
      const response = await fetch(`${base}/periods/${encodeURIComponent(period)}/totals`, { headers: headers(), signal: signal() });
      if (response.status === 404 || response.status === 501) return null;
      if (!response.ok) throw new Error(`accounting system answered ${response.status} for totals of ${period}`);
      const body = (await response.json()) as { totals: { currency: string; debitMinor: string; creditMinor: string }[] };
      return body.totals.map((t) => ({ currency: t.currency, debits: BigInt(t.debitMinor), credits: BigInt(t.creditMinor) }));
    },
  };
}
