import { Pool } from 'undici';

export interface LoadResult {
  name: string;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Record<string, number>;
}

export interface LoadOptions {
  name: string;
  baseUrl: string;
  connections: number;
  seconds: number;
  /** Builds one operation: one or more requests run in sequence; returns the status codes. */
  op: (client: Pool, index: number) => Promise<number[]>;
  /** Which statuses count as success (default 2xx). */
  ok?: (status: number) => boolean;
  onProgress?: (done: number) => void;
  /** Load applied before measuring, to warm connection pools and caches (default 2 s). */
  warmupSeconds?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/**
 * A closed-loop load generator: `connections` loops each run one operation at
 * a time for `seconds`, and every operation's latency is kept (exact
 * percentiles, no sampling).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const client = new Pool(options.baseUrl, { connections: options.connections, pipelining: 1 });
  const ok = options.ok ?? ((s: number) => s >= 200 && s < 300);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let counter = 0;
  const warmupEnds = process.hrtime.bigint() + BigInt(Math.round((options.warmupSeconds ?? 2) * 1e9));
  const started = warmupEnds;
  const deadline = started + BigInt(Math.round(options.seconds * 1e9));
  const progress = setInterval(() => options.onProgress?.(latencies.length), 2000);
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (process.hrtime.bigint() < deadline) {
        const t0 = process.hrtime.bigint();
        try {
          const codes = await options.op(client, counter++);
          if (t0 < warmupEnds) continue;
          for (const code of codes) statuses[code] = (statuses[code] ?? 0) + 1;
          if (!codes.every(ok)) errors++;
        } catch {
          if (t0 < warmupEnds) continue;
          errors++;
          statuses.network = (statuses.network ?? 0) + 1;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  clearInterval(progress);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    name: options.name,
    ops: latencies.length,
    errors,
    seconds,
    opsPerSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    statuses,
  };
}

/** One JSON request; resolves to its status after draining the body. */
export async function request(
  client: Pool,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: () => unknown }> {
  const response = await client.request({
    method,
    path,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: () => JSON.parse(text) as unknown };
}
