import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** One close per period: starting it twice is the same close. */
export const closeWorkflowId = (period: string) => `close-${period}`;

export type CloseStep = 'waiting_late_events' | 'freezing' | 'computing' | 'awaiting_approval' | 'posting' | 'posted' | 'failed';

export interface MonthEndCloseInput {
  /** YYYY-MM */
  period: string;
  /** The person who started the close (API key subject); they may not approve it. */
  startedBy: string;
  /** End of the period plus the late-event window (ISO instant): the close waits until then. */
  lateEventsUntil: string;
}

/** What a close has done so far; the query returns it and GET /v1/finance/periods/{period} shows it. */
export interface CloseState {
  period: string;
  step: CloseStep;
  startedBy: string;
  lateEventsUntil: string;
  frozenAt: string | null;
  /** Totals of the computed journal (see totalsJson in src/finance/close.ts). */
  totals: unknown;
  approvedBy: string | null;
  posting: { adapter: string; posted: number; skipped: number } | null;
  error: string | null;
}

export const closeStateQuery = defineQuery<CloseState>('closeState');

export interface CloseApprovalInput {
  /** The approving person (API key subject); must differ from who started the close. */
  approver: string;
}
/**
 * Finance approval of the computed journal. Rejected at once for the person
 * who started the close; otherwise it waits until the journal is computed
 * and returns the state once the approval is recorded.
 */
export const approveCloseUpdate = defineUpdate<CloseState, [CloseApprovalInput]>('approveClose');
