/**
 * Runs `step` for every item, going on past failures: one item Temporal
 * refuses must not keep the rest of a relay batch waiting. Returns the items
 * that failed and the first error, for the caller to undo what it must and
 * rethrow.
 */
export async function tryEach<T>(items: readonly T[], step: (item: T) => Promise<void>): Promise<{ failed: T[]; firstError: unknown }> {
  const failed: T[] = [];
  let firstError: unknown;
  for (const item of items) {
    try {
      await step(item);
    } catch (error) {
      if (failed.length === 0) firstError = error;
      failed.push(item);
    }
  }
  return { failed, firstError };
}
