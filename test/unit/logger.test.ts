import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * The logger writes to stdout asynchronously (a request never waits for it),
 * so what it still holds when the process stops must be written out: by the
 * shutdown's flushLogger, and by pino's exit hook when a process exits at once.
 */
async function logThenExit(flushFirst: boolean): Promise<string[]> {
  const script = `
    import { createLogger, flushLogger } from ${JSON.stringify(resolve('src/logger.ts'))};
    const logger = createLogger('info', 'flush-test');
    for (let i = 0; i < 5000; i++) logger.info({ i, padding: 'x'.repeat(200) }, 'line');
    ${flushFirst ? 'await flushLogger(logger);' : ''}
    process.exit(0);
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter(Boolean);
}

describe('the asynchronous log destination loses no line when the process stops', () => {
  it.each([
    ['after flushLogger (shutdown)', true],
    ['on process.exit straight after logging', false],
  ])('%s', async (_name, flushFirst) => {
    const lines = await logThenExit(flushFirst);
    expect(lines).toHaveLength(5000);
    expect((JSON.parse(lines.at(-1)!) as { i: number }).i).toBe(4999);
  });
});
