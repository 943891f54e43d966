import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * What failed, for workflows that branch on an activity's failure: the
 * `type` of the ApplicationFailure behind it (activities/failures.ts sets it
 * from a domain error's code), undefined for anything else.
 */
export function failureType(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The message of the failure behind an activity failure, for logs and outcomes. */
export function failureText(error: unknown): string {
  const cause = error instanceof ActivityFailure ? (error.cause ?? error) : error;
  return cause instanceof Error ? cause.message : String(cause);
}
