import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Workflow sources are ESM TypeScript that import siblings as `./x.js`; teach
 * the bundler's webpack to find `./x.ts` behind them.
 */
export const bundlerOptions: Pick<BundleOptions, 'webpackConfigHook'> = {
  webpackConfigHook(config) {
    config.resolve ??= {};
    config.resolve.extensionAlias = { '.js': ['.ts', '.js'] };
    return config;
  },
};

export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, ...bundlerOptions, logger: quietLogger });
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
