import { spawn, type ChildProcess } from 'node:child_process';

/** One Burndown process (the API or the worker) run from source the way `npm run api` / `npm run worker` run it. */
export interface StackProcess {
  child: ChildProcess;
  pid: number;
  /** The last 20 kB of its stdout and stderr, for failure messages. */
  output(): string;
  exited: Promise<number | null>;
  /** The log line that said it was ready (the API's carries its URL). */
  readyLine: string;
  /** SIGKILL: no drain, no cleanup, sockets reset (a crashed pod). */
  kill(): Promise<void>;
}

const ENTRY_POINTS = { api: 'src/cli/api.ts', worker: 'workers/main.ts' } as const;
const READY = { api: 'API listening', worker: 'worker running' } as const;

/**
 * `node --import tsx <entry point>` with `env` over this process's environment
 * (NODE_OPTIONS cleared: vitest's loader is not the process's), until its log
 * says it is ready. One process: SIGKILL reaches the process itself, not a
 * wrapper.
 */
export async function startStackProcess(role: keyof typeof ENTRY_POINTS, env: Record<string, string>): Promise<StackProcess> {
  const { NODE_OPTIONS: _dropped, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY_POINTS[role]], {
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!output.includes(READY[role])) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${role} did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    readyLine: output.split('\n').find((line) => line.includes(READY[role]))!,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The URL an API process logged when it started listening (PORT=0 picks a free port). */
export function apiUrlOf(api: StackProcess): string {
  const match = /"url":"(http:\/\/[^"]+)"/.exec(api.readyLine);
  if (!match) throw new Error(`no url in the API's ready line: ${api.readyLine}`);
  return match[1]!;
}
