import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * Lint is what enforces workflow determinism, so prove the rules fire: a
 * workflow file that does I/O, reads the clock source of Node, or imports an
 * activity by value must fail lint, and a clean one must pass.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('workflow determinism lint', () => {
  it('rejects Node built-ins, service clients and activities imported by value', async () => {
    const ids = await ruleIds(
      [
        "import { readFileSync } from 'node:fs';",
        "import pg from 'pg';",
        "import { createLedgerActivities } from '../activities/ledger.js';",
        'export async function bad(): Promise<number> {',
        '  setTimeout(() => undefined, 1);',
        '  return readFileSync.length + String(pg).length + String(createLedgerActivities).length;',
        '}',
      ].join('\n'),
      'workflows/hold-sweeper.ts',
    );
    expect(ids.filter((id) => id === 'no-restricted-imports')).toHaveLength(3);
    expect(ids).toContain('no-restricted-globals');
  });

  it('accepts activities imported by type and SDK timers', async () => {
    const ids = await ruleIds(
      [
        "import { proxyActivities, sleep } from '@temporalio/workflow';",
        "import type { LedgerActivities } from '../activities/ledger.js';",
        "const { sweepExpiredHolds } = proxyActivities<LedgerActivities>({ startToCloseTimeout: '1 minute' });",
        'export async function good(): Promise<number> {',
        "  await sleep('1 second');",
        '  return sweepExpiredHolds(1);',
        '}',
      ].join('\n'),
      'workflows/hold-sweeper.ts',
    );
    expect(ids).toEqual([]);
  });

  it('flags floating promises anywhere', async () => {
    const ids = await ruleIds('export function f(): void {\n  Promise.resolve(1);\n}\n', 'src/logger.ts');
    expect(ids).toContain('@typescript-eslint/no-floating-promises');
  });
});
