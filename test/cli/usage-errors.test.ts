/** A CLI used wrongly says so in one line (exit 2), not with a stack trace. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(script: string, args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stderr: result.stderr.trim() };
}

describe('CLI usage errors', () => {
  it.each([
    ['src/cli/create-api-key.ts', ['--scope', 'wizard'], '--scope must be one or more of'],
    ['src/cli/create-api-key.ts', ['--scope', 'admin', '--colour', 'blue'], "Unknown option '--colour'"],
    ['src/cli/create-api-key.ts', ['--scope', 'customer'], 'a customer key must be bound to an account'],
    ['src/cli/create-api-key.ts', ['--scope', 'admin', '--mode', 'sandbox'], '--mode must be live or test'],
    ['src/cli/verify-ledger.ts', [], 'give --account <id>'],
  ])('%s %j', (script, args, message) => {
    const { code, stderr } = run(script, args);
    expect(code).toBe(2);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error: /);
    expect(stderr).toContain(message);
  });
});
