/**
 * What Burndown needs from a CRM, and nothing more. The HubSpot implementation
 * (hubspot-gateway.ts) sits behind it; sync logic and activities see only this.
 */
export interface CrmPropertyDefinition {
  name: string;
  label: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration';
  fieldType: 'text' | 'number' | 'date' | 'booleancheckbox';
  description: string;
  options?: { label: string; value: string }[];
}

export interface CrmCompany {
  id: string;
  properties: Record<string, string | null>;
}

export interface CrmTaskInput {
  /** Unique per task for ever: creating the same key again answers the task made the first time (never a second one). */
  key: string;
  companyId: string;
  ownerId: string | null;
  subject: string;
  body: string;
  dueAt: Date;
}

/** A note on the company's timeline: one history item (a ledger transaction, a dispute's opening or decision). */
export interface CrmNoteInput {
  /** Unique per note for ever: creating the same key again answers the note made the first time. */
  key: string;
  companyId: string;
  /** When it happened: where the timeline shows it. */
  timestamp: Date;
  body: string;
}

/** An upsell deal for the company's owner, keyed like a task. */
export interface CrmDealInput {
  key: string;
  companyId: string;
  ownerId: string | null;
  name: string;
  description: string;
  pipeline: string;
  stage: string;
}

export interface CrmGateway {
  getCompanies(ids: string[], properties: string[]): Promise<CrmCompany[]>;
  findCompanyByDomain(domain: string): Promise<CrmCompany | null>;
  createCompany(properties: Record<string, string>): Promise<CrmCompany>;
  updateCompany(id: string, properties: Record<string, string>): Promise<void>;
  /** Idempotent by `task.key`: returns the id of the task with that key, creating it only when there is none. */
  createTask(task: CrmTaskInput): Promise<string>;
  /** Idempotent by `deal.key`, as createTask. */
  createDeal(deal: CrmDealInput): Promise<string>;
  /** Idempotent by each note's key: key → note id for every note given (at most 100), creating only the missing ones, in one batch. */
  createNotes(notes: CrmNoteInput[]): Promise<Map<string, string>>;
  /** Creates the unique key properties of tasks, notes and deals that are missing; the names it created (`tasks.burndown_task_key` …). */
  ensureKeyProperties(): Promise<string[]>;
  /** Creates the group and every missing property; returns the names it created. */
  ensureProperties(group: { name: string; label: string }, properties: CrmPropertyDefinition[]): Promise<string[]>;
}

/** 429: retry after `retryAfterSeconds` (from Retry-After, else a default). */
export class CrmRateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`CRM rate limit; retry after ${retryAfterSeconds}s`);
    this.name = 'CrmRateLimitedError';
  }
}

/** 5xx or network: retry with backoff. */
export class CrmUnavailableError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'CrmUnavailableError';
  }
}

/** 4xx other than 429: retrying the same request will not help. */
export class CrmRejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CrmRejectedError';
  }
}
