import { readFile, rm, writeFile } from 'node:fs/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function processCommand(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/cmdline`, 'utf8')
    .then((text) => text.replaceAll('\0', ' '))
    .catch(() => '');
}

export async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number.parseInt(text.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function writePid(path: string, pid: number): Promise<void> {
  await writeFile(path, `${pid}\n`);
}

/**
 * A previous run that was killed (SIGKILL, crash) leaves its server running.
 * Stop it when the pid file names a live process whose command line matches, so
 * the next start can take the port and the data folder.
 */
export async function stopStaleProcess(
  pidPath: string,
  commandIncludes: string,
  signal: NodeJS.Signals,
  timeoutMs = 15_000,
): Promise<number | undefined> {
  const pid = await readPid(pidPath);
  if (pid === undefined || !isAlive(pid)) {
    await rm(pidPath, { force: true });
    return undefined;
  }
  if (!(await processCommand(pid)).includes(commandIncludes)) {
    await rm(pidPath, { force: true });
    return undefined;
  }
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(pidPath, { force: true });
  return pid;
}
