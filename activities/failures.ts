import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '../src/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any error class, whatever its constructor takes
type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * How an activity's error reaches Temporal, decided here once (as
 * src/api/problem.ts decides it for HTTP):
 * - a domain error (validation, not found, a conflict, …) will not change on
 *   retry: a non-retryable failure typed by its code, with its details;
 * - an error of one of the `permanent` classes (a refusal a retry cannot fix,
 *   such as an unbalanced journal): non-retryable, typed by the class name;
 * - anything else (the database or a service unreachable) is rethrown as it
 *   is, for the activity's retry policy.
 */
export function toActivityFailure(error: unknown, permanent: readonly ErrorClass[] = []): never {
  if (error instanceof DomainError) {
    throw ApplicationFailure.create({ message: error.message, type: error.code, nonRetryable: true, details: [error.details] });
  }
  if (error instanceof Error && permanent.some((kind) => error instanceof kind)) {
    throw ApplicationFailure.nonRetryable(error.message, error.name);
  }
  throw error;
}

/** Runs an activity's work, mapping its errors with toActivityFailure. */
export async function mapFailures<T>(work: Promise<T>, permanent: readonly ErrorClass[] = []): Promise<T> {
  try {
    return await work;
  } catch (error) {
    return toActivityFailure(error, permanent);
  }
}

/**
 * The dependencies of an area's activities, or a non-retryable
 * `not_configured` failure when this worker was built without them.
 */
export function configured<T>(deps: T | undefined, area: string, hint = ''): T {
  if (deps === undefined) {
    throw ApplicationFailure.nonRetryable(
      `${area} is not configured on this worker (ActivityDeps.${area} is missing)${hint && `: ${hint}`}`,
      'not_configured',
    );
  }
  return deps;
}
