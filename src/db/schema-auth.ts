import type { ColumnType } from 'kysely';
import type { Mode } from './schema.js';

/** Browser session tokens (src/auth/session-tokens.ts); created by migrations/2026-11-29T100000_session_tokens.ts. API keys stay in schema.ts. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface SessionTokenTable {
  id: string;
  account_id: string;
  secret_hash: Buffer;
  scopes: string[];
  subject: string;
  issued_by_key_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  mode: ColumnType<Mode, Mode | undefined, never>;
}
