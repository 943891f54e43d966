/**
 * `npm run build`, last step: the workflow code bundled ahead of time, beside
 * the compiled worker, with and without the tracing interceptors, so a
 * production worker starts without webpack (workflowBundle: { codePath }).
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflows, prebuiltBundlePath } from './bundle.js';

for (const traced of [false, true]) {
  const { code } = await bundleWorkflows({ traced });
  await writeFile(prebuiltBundlePath(traced), code);
  console.error(`wrote ${prebuiltBundlePath(traced)} (${(code.length / 1024).toFixed(0)} KiB)`);
}
