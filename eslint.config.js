import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node built-ins a workflow must never import: they do I/O or read the clock. */
const nodeBuiltins = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/** Imports a workflow (or a contract it bundles) must never make. */
const deterministicPaths = [
  ...nodeBuiltins.flatMap((name) => [
    { name, message: 'Workflows are deterministic: no Node built-ins.' },
    { name: `node:${name}`, message: 'Workflows are deterministic: no Node built-ins.' },
  ]),
  ...[
    'pg',
    'kysely',
    'stripe',
    '@hubspot/api-client',
    'express',
    'pino',
    '@temporalio/client',
    '@temporalio/worker',
    '@temporalio/activity',
    'uuid',
  ].map((name) => ({ name, message: 'Workflows are deterministic: do this in an activity.' })),
];

const workflowPatterns = [
  {
    group: [
      '../src/*',
      '../src/**',
      '../../src/**',
      '!../src/contracts',
      '!../src/contracts/*',
      '!../../src/contracts',
      '!../../src/contracts/*',
    ],
    message: 'Workflows must not import service code; share messages through src/contracts/ or use `import type`.',
    allowTypeImports: true,
  },
  {
    group: ['../activities/*', '../activities/**', '../../activities/*', '../../activities/**'],
    message: 'Import activities by type only: `import type { … } from "../activities/…"`.',
    allowTypeImports: true,
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', '.tools/**', '.schemathesis/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Money is bigint; arithmetic on numbers is caught in review and by tests, not here.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    // Workflow code is replayed: it must be deterministic. No I/O, no Node
    // built-ins, no clients, and activities only by type. The contracts
    // (src/contracts/) are bundled into workflows, so the same rules hold there.
    files: ['workflows/**/*.ts', 'src/contracts/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { paths: deterministicPaths, patterns: workflowPatterns }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows are deterministic: no process.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'fetch', message: 'Workflows do no I/O: call an activity.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message:
            'The SDK replaces Math.random deterministically, but say what you mean: use uuid4() from @temporalio/workflow or pass randomness in.',
        },
      ],
    },
  },
  {
    // A contract imports nothing but the SDK's definition helpers and other contracts (types may come from anywhere).
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: deterministicPaths,
          patterns: [
            {
              group: ['../*', '../**'],
              message: 'Contracts are shared with workflows: import other contracts (./x.js) or use `import type`.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Ledger operations are called measured (src/observability/measured-ledger.ts): metrics and spans at
    // the boundary that calls the ledger, which itself imports nothing above it.
    files: ['src/**/*.ts', 'activities/**/*.ts', 'workers/**/*.ts'],
    ignores: ['src/ledger/**', 'src/observability/**', 'src/contracts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/ledger/index.js'],
              importNames: [
                'deduct',
                'deductInSequence',
                'createHold',
                'commitHold',
                'releaseHold',
                'refundBurn',
                'issueGrant',
                'voidGrant',
                'voidGrantPartially',
                'expireGrant',
                'changeGrantExpiry',
                'sweepExpiredHolds',
              ],
              message: 'Call ledger operations through src/observability/measured-ledger.ts, so they are measured.',
            },
          ],
        },
      ],
    },
  },
  {
    // The runtime wires areas for any process; the worker is built on it, not the other way round.
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../workers/*', '../../workers/**'], message: 'src/runtime must not import workers/.' }] },
      ],
    },
  },
  {
    // Areas throw domain errors (src/errors.ts); the API maps them once (src/api/problem.ts). An area never imports the API.
    // (src/contracts and workflows/ have their stricter rules above; the runtime and the CLIs wire the API.)
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/api/**', 'src/runtime/**', 'src/cli/**', 'src/contracts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../api/*', '../../api/*', '../../../api/*', '../src/api/*', '../../src/api/*'],
              message: 'Area code must not import the API layer: throw a domain error from src/errors.ts (mapped in src/api/problem.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // Migrations run against Kysely<any> on purpose: they are frozen and must
    // not follow today's table types.
    files: ['migrations/**/*.ts', 'src/db/migrate.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The web UI's browser code, type-checked with src/ui/client/tsconfig.json.
    files: ['src/ui/client/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
