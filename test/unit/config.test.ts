import { describe, expect, it } from 'vitest';
import { ConfigError, configTableMarkdown, loadConfig } from '../../src/config/config.js';

describe('config', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the variable, the problem and an example for every bad value at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'no-port' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('PORT has value "eighty"'))).toContain('Example: PORT=8080');
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toMatch(/postgres:\/\/.*Example: DATABASE_URL=postgres:\/\//);
    expect(problems.find((p) => p.startsWith('TEMPORAL_ADDRESS'))).toContain('host:port');
  });

  it('refuses embedded servers in production', () => {
    expect(() => loadConfig({ BURNDOWN_ENV: 'production' })).toThrow(/DATABASE_URL and TEMPORAL_ADDRESS/);
  });

  it('refuses to start in production without the ledger anchor key (no development key there)', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const servers = { BURNDOWN_ENV: 'production', DATABASE_URL: 'postgres://u:p@db:5432/b', TEMPORAL_ADDRESS: 'temporal:7233' };
    expect(() => loadConfig({ ...servers, SECRETS_ENCRYPTION_KEY: key })).toThrow(/needs LEDGER_ANCHOR_KEY/);
    expect(loadConfig({ ...servers, SECRETS_ENCRYPTION_KEY: key, LEDGER_ANCHOR_KEY: key }).LEDGER_ANCHOR_KEY).toBe(key);
  });

  it('prints the README configuration table from the same declarations', () => {
    const table = configTableMarkdown();
    expect(table).toContain('| `DATABASE_URL` | — |');
    expect(table).toContain('| `PORT` | `3000` |');
  });
});
