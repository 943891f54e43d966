import { sql, type Kysely } from 'kysely';

/**
 * Changing a landed ledger function without copying it (not a migration:
 * migrations/index.ts lists those). A migration re-creates the function from
 * its stored definition (pg_get_functiondef: SET clauses included) with each
 * patch applied, so the one readable definition stays in the migration that
 * created it and the later migration holds only the change. A patch that does
 * not match exactly once fails the migration instead of being skipped.
 */
export type Patch = readonly [from: string, to: string];

export async function patchFunction(db: Kysely<any>, signature: string, patches: readonly Patch[]): Promise<void> {
  const { rows } = await sql<{ def: string }>`select pg_get_functiondef(${signature}::regprocedure) as def`.execute(db);
  let def = rows[0]!.def;
  for (const [from, to] of patches) {
    const at = def.indexOf(from);
    if (at < 0 || def.indexOf(from, at + 1) >= 0) throw new Error(`${signature}: patch does not match exactly once: ${from}`);
    def = def.slice(0, at) + to + def.slice(at + from.length);
  }
  await sql.raw(def).execute(db);
}

/** The patches that undo these (for down()). */
export const reversed = (patches: readonly Patch[]): Patch[] => [...patches].reverse().map(([from, to]) => [to, from] as const);
