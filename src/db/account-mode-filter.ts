import type { ExpressionBuilder } from 'kysely';
import type { DB, Mode } from './schema.js';

/**
 * The accounts of one mode, as a subquery for `where account_id in (…)`: how
 * a list that spans accounts shows only the key's mode (docs/TEST-MODE.md).
 * Lists that name one account need no filter: route-access already refused
 * an account of the other mode.
 */
export const accountsOfMode = (mode: Mode) => (eb: ExpressionBuilder<DB, keyof DB>) =>
  eb.selectFrom('accounts').select('accounts.id').where('accounts.mode', '=', mode);
