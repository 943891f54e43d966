import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

/** Compiled (dist/, `npm run build`) or run from source by tsx. */
const extension = import.meta.url.endsWith('.js') ? 'js' : 'ts';
const sibling = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export const workflowsPath = sibling(`../workflows/index.${extension}`);
/** The OpenTelemetry workflow interceptors, bundled in only when tracing is on. */
export const tracingInterceptorsPath = sibling(`../workflows/tracing-interceptors.${extension}`);

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

export async function bundleWorkflows(options: { traced?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    ...bundlerOptions,
    workflowInterceptorModules: options.traced ? [tracingInterceptorsPath] : [],
    logger: quietLogger,
  });
}

/** Where `npm run build` writes the workflow bundle, beside the compiled worker (dist/workers/). */
export function prebuiltBundlePath(traced: boolean): string {
  return sibling(`./workflow-bundle${traced ? '-traced' : ''}.js`);
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
