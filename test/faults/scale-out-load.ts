/**
 * The scale-out drill's clients: each logical request carries one
 * Idempotency-Key for all its attempts; a connection error, a 5xx, a 429 or a
 * 409 "still in flight" is retried with that key on the next API process, so
 * a request that was running on a killed process is finished by a survivor.
 */
// Tests read arbitrary JSON answers field by field.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Answer {
  status: number;
  body: any;
  /** When the decision arrived (ms since the load started). */
  at: number;
  attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryable(status: number, body: any): boolean {
  return status >= 500 || status === 429 || (status === 409 && body?.code === 'idempotency_key_in_flight');
}

export class DrillClient {
  /** Attempts that failed over to the next process (connection refused or reset, 5xx, 429, 409 in flight). */
  retries = 0;

  constructor(
    private readonly apis: string[],
    private readonly token: string,
    private readonly started: number,
    /** How long one logical request may keep retrying before the drill fails. */
    private readonly patienceMs = 120_000,
  ) {}

  /** Sends one logical request until a process decides it; `first` picks the process of the first attempt (load spreading). */
  async send(first: number, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
    const deadline = Date.now() + this.patienceMs;
    let last = '';
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const api = this.apis[(first + attempt) % this.apis.length]!;
      try {
        const response = await fetch(`${api}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            'idempotency-key': key,
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        const parsed = text.startsWith('{') ? JSON.parse(text) : text;
        if (!retryable(response.status, parsed)) {
          return { status: response.status, body: parsed, at: Date.now() - this.started, attempts: attempt + 1 };
        }
        last = `${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        last = String((error as { cause?: unknown }).cause ?? error);
      }
      this.retries++;
      // Straight on to the next process; once every process was tried, back off a little.
      if (attempt % this.apis.length === this.apis.length - 1) await sleep(Math.min(1_000, 50 * 2 ** (attempt / this.apis.length)));
    }
    throw new Error(`${method} ${path} (Idempotency-Key ${key}) got no decision in ${this.patienceMs} ms; last: ${last}`);
  }
}

/**
 * Decisions per whole second until the last one, as a table for the test's
 * output with the kill marked, and the mean rates while the load ran, before
 * and after the kill (whole seconds only; the second of the kill in neither).
 */
export function throughputTable(
  times: number[],
  killAt: number,
  loadMs: number,
  seconds: number,
): { table: string; before: number; after: number } {
  const perSecond = Array.from({ length: seconds }, (_, s) => times.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length);
  const killSecond = Math.floor(killAt / 1000);
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));
  const table = perSecond.map(
    (n, s) => `  t=${String(s).padStart(2)}s ${String(n).padStart(5)}/s${s === killSecond ? '  <- SIGKILL' : ''}`,
  );
  return {
    table: table.join('\n'),
    before: mean(perSecond.slice(1, killSecond)),
    after: mean(perSecond.slice(killSecond + 1, Math.floor(loadMs / 1000))),
  };
}
