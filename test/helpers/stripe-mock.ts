import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

async function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Stripe's official API mock (installed in .tools/bin by `npm run setup`) on a free port, for one test file. */
export function useStripeMock(): { url: string } {
  const fixture = { url: '' };
  let child: ReturnType<typeof spawn> | undefined;
  beforeAll(async () => {
    const port = await freePort();
    child = spawn(resolve('.tools/bin/stripe-mock'), ['-http-addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((ready, fail) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Listening for HTTP/i.test(output)) ready();
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => fail(new Error(`stripe-mock exited with ${code}: ${output}`)));
    });
    fixture.url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child!.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  });
  return fixture;
}
