import { spawn } from 'node:child_process';

/**
 * Starts test/helpers/dying-worker.ts: a Burndown worker process on
 * `taskQueue` that is SIGKILLed right after `activity`'s real work has
 * returned. Resolves once it polls; `died` resolves with the signal it died of.
 */
export async function spawnDyingWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  bundlePath: string;
  databaseUrl: string;
  clock: Date;
  activity: string;
  consumptionSettings?: unknown;
}) {
  const args = [
    options.temporalAddress,
    options.taskQueue,
    options.bundlePath,
    options.databaseUrl,
    options.clock.toISOString(),
    options.activity,
    JSON.stringify(options.consumptionSettings ?? {}),
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/dying-worker.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const died = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    void died.then(() => reject(new Error(`dying worker exited before it was ready: ${out}`)));
  });
  return { died, said: () => out };
}
