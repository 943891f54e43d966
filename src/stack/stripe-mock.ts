import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from './free-port.js';

/** stripe-mock, installed into .tools/bin by `npm run setup`. */
export const stripeMockPath = fileURLToPath(new URL('../../.tools/bin/stripe-mock', import.meta.url));

export interface RunningStripeMock {
  url: string;
  stop(): Promise<void>;
}

/**
 * Stripe's official API mock on a free loopback port: the real Stripe SDK
 * pointed at it (STRIPE_API_BASE) gets Stripe-shaped answers, offline. In its
 * own process group, so Ctrl-C reaches only its owner, which stops it.
 */
export async function startStripeMock(path = stripeMockPath): Promise<RunningStripeMock> {
  const port = await freeLoopbackPort();
  // Without PORT (stripe-mock would listen on $PORT, the API's), and its HTTPS listener on a free port
  // (by default it takes 12112, and exits when another stripe-mock has it).
  const { PORT: _apiPort, ...env } = process.env;
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:'];
  const child = spawn(path, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((ready, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Listening for HTTP at/i.test(output)) ready();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`stripe-mock exited with ${code}: ${output.slice(-500)}`)));
  });
  // Ready: stop collecting its start-up output (a long-lived mock would grow it without end).
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A stripe-mock that ignores SIGTERM must not keep its owner (the dev stack, a test) from exiting.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
