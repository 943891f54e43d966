/**
 * The first hour with `npm start`, as a new user meets it: Ctrl-C (SIGINT to
 * the terminal's whole process group, which npm also forwards) drains the
 * worker and stops everything in order; SIGTERM to the npm process alone (a
 * process manager, a CI runner) does the same, leaving no embedded PostgreSQL
 * or Temporal server behind. The real `npm start`, on embedded servers in a
 * temporary data folder and free ports.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, readPid } from '../../src/stack/pid-file.js';
import { freeLoopbackPort } from '../../src/stack/free-port.js';

let dataDir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'burndown-dev-stack-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach its folder
  env = {
    DATA_DIR: dataDir,
    METRICS_LISTEN: '127.0.0.1:0',
    WORKER_METRICS_LISTEN: '127.0.0.1:0',
    LOG_LEVEL: 'info',
  };
});
/** Stacks a failed test left running: stopped like a user would, then killed. */
const running = new Set<Awaited<ReturnType<typeof startStack>>>();
afterEach(async () => {
  for (const stack of running) {
    if (stack.child.exitCode === null) {
      process.kill(-stack.child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-stack.child.pid!, 'SIGKILL'), 30_000);
      await stack.exited;
      clearTimeout(timer);
    }
  }
  running.clear();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm start` in its own process group (as a terminal runs it), until the banner is printed. */
async function startStack() {
  // Fresh ports each time: a server just stopped may still hold its port for a moment.
  for (const name of ['PORT', 'EMBEDDED_POSTGRES_PORT', 'TEMPORAL_DEV_PORT', 'TEMPORAL_UI_PORT'])
    env[name] = String(await freeLoopbackPort());
  const child = spawn('npm', ['start'], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const servers = {
    postgres: await readPid(join(env.DATA_DIR!, 'postgres', 'postmaster.pid')),
    temporal: await readPid(join(env.DATA_DIR!, `temporal-${env.TEMPORAL_DEV_PORT}.pid`)),
  };
  expect(servers.postgres).toBeDefined();
  expect(servers.temporal).toBeDefined();
  const stack = { child, exited, servers, output: () => output };
  running.add(stack);
  return stack;
}

/** What stopping showed: exit code, the log messages in order, and whether the embedded servers are gone. */
async function stopped(stack: Awaited<ReturnType<typeof startStack>>) {
  // Bounded, so a stack that does not stop fails with what it printed, not with the test's timeout.
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    stack.exited,
    new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`npm start did not exit within 60 s:\n${stack.output().slice(-3000)}`)), 60_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const messages = stack
    .output()
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return line.trim() ? [line.trim()] : [];
      return [(JSON.parse(line) as { msg: string }).msg];
    });
  return {
    code,
    messages,
    postgresAlive: isAlive(stack.servers.postgres!),
    temporalAlive: isAlive(stack.servers.temporal!),
  };
}

describe('npm start', { timeout: 180_000 }, () => {
  it('Ctrl-C (SIGINT to the process group, forwarded by npm as well) drains the worker and stops everything', async () => {
    const stack = await startStack();
    process.kill(-stack.child.pid!, 'SIGINT');
    const result = await stopped(stack);
    expect(result.messages.join('\n')).not.toContain('again');
    expect(result.messages).toEqual(expect.arrayContaining(['shutting down: draining worker, closing API, stopping servers', 'stopped']));
    expect(result.messages.indexOf('stopped')).toBeGreaterThan(
      result.messages.indexOf('shutting down: draining worker, closing API, stopping servers'),
    );
    expect(result).toMatchObject({ postgresAlive: false, temporalAlive: false });
    expect(result.code).toBe(0);
  });

  it('SIGTERM to the npm process alone stops the whole stack, orphaning nothing', async () => {
    const stack = await startStack();
    process.kill(stack.child.pid!, 'SIGTERM');
    const result = await stopped(stack);
    expect(result.messages).toContain('stopped');
    expect(result.messages.join('\n')).not.toContain('again');
    expect(result).toMatchObject({ postgresAlive: false, temporalAlive: false });
  });

  it('keeps the banner readable: requests that succeed write no log line at the default level', async () => {
    const stack = await startStack();
    const before = stack.output().length;
    for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${env.PORT}/v1/credit-types`)).status).toBe(401);
    const key = /Admin key\s+(\S+)/.exec(stack.output())![1]!;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`http://127.0.0.1:${env.PORT}/v1/credit-types`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    }
    const linesSince = () => stack.output().slice(before).split('\n').filter(Boolean);
    const deadline = Date.now() + 10_000;
    while (linesSince().length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const lines = linesSince();
    // The refused ones are worth a line each, and a short one; the successful ones none.
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.length).toBeLessThan(400);
    process.kill(-stack.child.pid!, 'SIGINT');
    expect((await stopped(stack)).code).toBe(0);
  });

  it('without Stripe or HubSpot credentials, runs offline against stripe-mock and the HubSpot fake, says so, and completes purchases', async () => {
    // A fresh machine: its own data folder.
    env.DATA_DIR = await mkdtemp(join(dataDir, 'fresh-'));
    await chmod(env.DATA_DIR, 0o755);
    const stack = await startStack();
    const banner = stack.output();
    expect(banner).toMatch(/Payments +simulated: stripe-mock at http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/HubSpot +simulated: a local fake at http:\/\/127\.0\.0\.1:\d+/);
    const key = /Admin key\s+(\S+)/.exec(banner)![1]!;
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${env.PORT}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          'idempotency-key': crypto.randomUUID(),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        // Bounded, so a request that hangs fails with the stack's output, not with the test's timeout.
        signal: AbortSignal.timeout(60_000),
      }).catch((error: unknown) => {
        throw new Error(`${method} ${path} failed (${String(error)}):\n${stack.output().slice(-3000)}`);
      });
    expect((await call('POST', '/v1/accounts', { id: 'offline', name: 'Offline Inc.' })).status).toBe(201);
    // Saving a card creates a Stripe customer and a SetupIntent: answered by stripe-mock, not api.stripe.com.
    const setup = await call('POST', '/v1/accounts/offline/setup-intents');
    expect(setup.status).toBe(201);
    expect(await setup.json()).toMatchObject({ id: expect.stringMatching(/^seti_/), customerId: expect.stringMatching(/^cus_/) });
    // A purchase completes as in Stripe's test mode: the simulated customer pays, a signed webhook reaches this API.
    expect((await call('POST', '/v1/credit-types', { id: 'ai', name: 'AI credits', precision: 2 })).status).toBe(201);
    const bought = (await (await call('POST', '/v1/accounts/offline/purchases', { bundleId: 'ai-100' })).json()) as {
      id: string;
      status: string;
    };
    expect(bought.status).toBe('pending');
    let purchase = bought;
    for (let tries = 0; purchase.status === 'pending' && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      purchase = (await (await call('GET', `/v1/purchases/${bought.id}`)).json()) as typeof bought;
    }
    expect(purchase).toMatchObject({ status: 'succeeded', credits: '100.00', grantId: expect.any(String) });
    const balance = (await (await call('GET', '/v1/accounts/offline/balance')).json()) as { balances: { available: string }[] };
    expect(balance.balances[0]?.available).toBe('100.00');
    process.kill(-stack.child.pid!, 'SIGINT');
    expect((await stopped(stack)).code).toBe(0);
  });
});
