import { describe, expect, it } from 'vitest';
import { emptyResult, renderReport, rowStatus, type Row } from '../../bench/report.js';
import type { LoadResult } from '../../bench/load.js';

const measured = (name: string, opsPerSecond: number): LoadResult => ({
  ...emptyResult(name),
  ops: opsPerSecond * 3,
  seconds: 3,
  opsPerSecond,
  p50: 1,
  p95: 2,
  p99: 3,
});

const sagas = (baseline: LoadResult, met: boolean | undefined): Row => ({
  operation: 'consumption sagas',
  result: measured('consumption sagas', 10),
  baseline,
  target: '≥ 0.7 × no-op workflow throughput',
  met,
});

describe('bench report: a ratio row against a baseline that measured nothing', () => {
  it('is "not measured", never "met", and shows no ratio', () => {
    // 10 >= 0.7 × 0 held, so the scenario once called this row met.
    for (const zero of [measured('no-op workflow + 3 activities', 0), emptyResult('no-op workflow + 3 activities')]) {
      const row = sagas(zero, true);
      expect(rowStatus(row)).toBe('not measured');
      const { table } = renderReport([row], [zero], { seconds: 3, command: 'npm run bench -- --quick' });
      const line = table.split('\n').find((l) => l.startsWith('| consumption sagas'))!;
      expect(line).toContain('| not measured |');
      expect(line).not.toContain('| met |');
      expect(line).not.toMatch(/Infinity|NaN/);
    }
  });

  it('is judged as the scenario says when the baseline measured something', () => {
    const noop = measured('no-op workflow + 3 activities', 20);
    expect(rowStatus(sagas(noop, true))).toBe('met');
    expect(rowStatus(sagas(noop, false))).toBe('missed');
    expect(rowStatus(sagas(noop, undefined))).toBe('not measured');
    const { table } = renderReport([sagas(noop, false)], [noop], { seconds: 3, command: 'npm run bench -- --quick' });
    expect(table).toContain('| 0.50 × no-op workflow + 3 activities |');
  });
});
