import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The web UI's build: two ES-module bundles made by esbuild from
 * src/ui/client (the embeddable wallet, /embed/burndown.js, and the console,
 * /console), plus the console's HTML. No CDN at run time: Lit and uPlot are
 * inside the bundles.
 *
 * Output goes to dist/ui/<hash of the inputs>/, written under a temporary
 * name and renamed into place, so several processes (two test files, an API
 * and `npm run build:ui`) can build at once and a reader never sees half a
 * build. A build whose inputs have not changed is not built again.
 */
/** The repository (or image) root: two levels above src/ui, three above dist/src/ui when compiled (`npm run build`). */
const ROOT = fileURLToPath(new URL(/\/dist\/src\/ui\/[^/]+$/.test(import.meta.url) ? '../../../' : '../../', import.meta.url));
const CLIENT = join(ROOT, 'src/ui/client');
export const UI_DIST = join(ROOT, 'dist/ui');
/** Bump to rebuild everywhere when the build itself changes. */
const BUILD_VERSION = '1';
/** The budget for the embed bundle, gzipped. */
export const EMBED_BUDGET_BYTES = 60 * 1024;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []))),
  );
  return nested.flat().sort();
}

/** A hash of everything a build depends on: the client sources and the bundled packages' versions. */
export async function uiInputHash(): Promise<string> {
  const hash = createHash('sha256').update(BUILD_VERSION);
  for (const file of await listFiles(CLIENT)) {
    hash
      .update(relative(ROOT, file))
      .update('\u0000')
      .update(await readFile(file))
      .update('\u0000');
  }
  for (const pkg of ['lit', 'uplot', 'esbuild']) {
    const { version } = JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
    hash.update(`${pkg}@${version}`);
  }
  return hash.digest('hex').slice(0, 16);
}

export interface UiBuild {
  dir: string;
  hash: string;
  embedGzipBytes: number;
  built: boolean;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Builds the UI unless a build of the same inputs is there; returns where it is. */
export async function ensureUiBuilt(): Promise<UiBuild> {
  const hash = await uiInputHash();
  const dir = join(UI_DIST, hash);
  const done = join(dir, 'build.json');
  if (await exists(done)) {
    const info = JSON.parse(await readFile(done, 'utf8')) as { embedGzipBytes: number };
    return { dir, hash, embedGzipBytes: info.embedGzipBytes, built: false };
  }
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(temp, { recursive: true });
  const embedGzipBytes = await bundle(temp);
  await writeFile(join(temp, 'build.json'), JSON.stringify({ hash, embedGzipBytes, builtAt: new Date().toISOString() }));
  try {
    await rename(temp, dir);
  } catch (error) {
    // Another process finished the same build first: theirs is identical.
    await rm(temp, { recursive: true, force: true });
    if (!(await exists(done))) throw error;
  }
  await pruneOldBuilds(hash);
  return { dir, hash, embedGzipBytes, built: true };
}

async function bundle(outDir: string): Promise<number> {
  const { build } = await import('esbuild');
  const common = {
    bundle: true,
    format: 'esm' as const,
    target: 'es2022',
    minify: true,
    legalComments: 'none' as const,
    loader: { '.css': 'text' as const },
    logLevel: 'silent' as const,
    tsconfig: join(CLIENT, 'tsconfig.json'),
  };
  await build({ ...common, entryPoints: [join(CLIENT, 'embed/index.ts')], outfile: join(outDir, 'embed/burndown.js') });
  await build({ ...common, entryPoints: [join(CLIENT, 'console/main.ts')], outfile: join(outDir, 'console/console.js') });
  await writeFile(join(outDir, 'console/index.html'), await readFile(join(CLIENT, 'console/index.html')));
  return gzipSync(await readFile(join(outDir, 'embed/burndown.js')), { level: 9 }).length;
}

/** Keeps the newest few builds (a running server may still serve an older one). */
async function pruneOldBuilds(current: string): Promise<void> {
  const entries = await readdir(UI_DIST, { withFileTypes: true });
  const builds = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && e.name !== current && /^[0-9a-f]{16}$/.test(e.name))
      .map(async (e) => ({ name: e.name, mtime: (await stat(join(UI_DIST, e.name))).mtimeMs })),
  );
  const stale = builds.sort((a, b) => b.mtime - a.mtime).slice(2);
  await Promise.all(stale.map((b) => rm(join(UI_DIST, b.name), { recursive: true, force: true })));
}
