import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RunningProcess {
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** Spawns `node --import tsx <args>` and waits until a line of its output passes `readyWhen`, or `probe` answers true. */
export async function spawnReady(
  name: string,
  args: string[],
  env: Record<string, string> = {},
  readyWhen: (line: string) => boolean = (l) => l.includes('ready'),
  probe?: () => Promise<boolean>,
): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('\n').some(readyWhen)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
    if (probe) {
      const poll = async (): Promise<void> => {
        if (child.exitCode !== null) return;
        if (await probe().catch(() => false)) return resolve();
        setTimeout(() => void poll(), 250);
      };
      void poll();
    }
  });
  child.stdout.resume();
  child.stderr.resume();
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

export function rssMegabytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/**
 * CPU time (user + system, ms) a process and, with `children`, its direct
 * children have used so far: the API's cost per request, or PostgreSQL's
 * (its backends are the postmaster's children), measured so that a busy
 * machine slows it down but does not change it much, unlike a rate.
 */
export function cpuMilliseconds(pid: number, options: { children?: boolean } = {}): number {
  const ticks = (p: number | string) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) };
    } catch {
      return { ppid: -1, cpu: 0 };
    }
  };
  let total = ticks(pid).cpu;
  if (options.children) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const t = ticks(entry);
      if (t.ppid === pid) total += t.cpu;
    }
  }
  return (total * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The API's V8 old-space bound, as `npm run api` and the Dockerfile run it (docs/PERFORMANCE.md, reads). */
export const API_HEAP_MB = '192';
