import type { z } from 'zod';
import { configVariables, type VariableSpec } from './variables.js';

/**
 * The one configuration of Burndown, read once at start-up by every entry point
 * (API, worker, dev stack, CLI) and passed down. Nothing else reads process.env.
 *
 * Each variable is declared once, in src/config/variables.ts (the areas' in
 * variables-areas.ts), with its schema, an example and a line of
 * documentation; docs/CONFIGURATION.md is printed from that list
 * (`npm run config:table`), so the two cannot drift.
 */
type Variables = typeof configVariables;
export type Config = Readonly<{ [K in keyof Variables]: z.output<Variables[K]['schema']> }>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into a frozen Config. Every problem is reported at once,
 * each naming the variable, what is wrong with the value and an example.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(configVariables) as [string, VariableSpec<z.ZodType>][]) {
    const raw = env[name];
    const value = raw === '' ? undefined : raw;
    const result = spec.schema.safeParse(value);
    if (result.success) {
      parsed[name] = result.data;
    } else {
      const reason = result.error.issues.map((issue) => issue.message).join('; ');
      const shown = value === undefined ? 'is missing' : `has value ${JSON.stringify(value)}`;
      problems.push(`${name} ${shown}: ${reason}. Example: ${name}=${spec.example}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = parsed as Config;
  if (config.BURNDOWN_ENV === 'production') {
    const missing: string[] = [];
    if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
      missing.push(
        'BURNDOWN_ENV=production needs DATABASE_URL and TEMPORAL_ADDRESS: embedded servers are for development only. Example: DATABASE_URL=postgres://burndown:secret@db:5432/burndown',
      );
    }
    // Keys that must never sit in the database nor default to a value anyone can read in the source.
    for (const name of ['SECRETS_ENCRYPTION_KEY', 'LEDGER_ANCHOR_KEY'] as const) {
      if (!config[name]) missing.push(`BURNDOWN_ENV=production needs ${name} (32 random bytes, base64: openssl rand -base64 32)`);
    }
    if (config.WEBHOOK_ALLOW_PRIVATE_HOSTS.length > 0) missing.push('WEBHOOK_ALLOW_PRIVATE_HOSTS is for development only');
    if (missing.length > 0) throw new ConfigError(missing);
  }
  const combinations = [
    config.METRICS_LISTEN === 'public' &&
      !config.METRICS_TOKEN &&
      'METRICS_LISTEN=public needs METRICS_TOKEN: /metrics on the public port is never open. Example: METRICS_TOKEN=a-long-random-string',
    !config.TEMPORAL_TLS_CERT_PATH !== !config.TEMPORAL_TLS_KEY_PATH &&
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together (an mTLS client certificate and its key). Example: TEMPORAL_TLS_KEY_PATH=/etc/burndown/temporal/client.key',
  ].filter((problem): problem is string => typeof problem === 'string');
  if (combinations.length > 0) throw new ConfigError(combinations);
  return Object.freeze(config);
}

/** The configuration table of docs/CONFIGURATION.md, generated from the declarations in variables.ts. */
export function configTableMarkdown(): string {
  const rows = Object.entries(configVariables).map(([name, spec]) => {
    const fallback = (spec.schema as z.ZodType).safeParse(undefined);
    const shownDefault =
      fallback.success && fallback.data !== undefined ? `\`${JSON.stringify(fallback.data).replace(/^"|"$/g, '')}\`` : '—';
    return `| \`${name}\` | ${shownDefault} | ${spec.doc} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
