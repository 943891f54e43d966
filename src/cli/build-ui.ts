/** npm run build:ui: builds the web UI into dist/ui (setup and CI run it; the API also builds at start when it is missing or stale). */
import { EMBED_BUDGET_BYTES, ensureUiBuilt } from '../ui/build.js';
import { runMain } from './main.js';

runMain(async () => {
  const started = Date.now();
  const build = await ensureUiBuilt();
  const kb = (build.embedGzipBytes / 1024).toFixed(1);
  console.error(
    `web UI ${build.built ? 'built' : 'up to date'} in ${Date.now() - started} ms: ${build.dir} (embed bundle ${kb} KB gzipped, budget ${EMBED_BUDGET_BYTES / 1024} KB)`,
  );
  if (build.embedGzipBytes > EMBED_BUDGET_BYTES)
    throw new Error(`the embed bundle is ${kb} KB gzipped, over its ${EMBED_BUDGET_BYTES / 1024} KB budget`);
});
