import type { Database } from '../db/database.js';
import { retryingConflicts } from '../db/transaction.js';
import { LedgerOverloadedError } from '../errors.js';
import { executeLedgerBatch, type LedgerOp, type LedgerOutcome } from './ledger-call.js';
import { runAlone } from './ledger-transaction.js';

interface Waiting {
  /** Builds the operation when it is sent, so it runs with the time it is sent at, not the time it was queued at. */
  build: () => LedgerOp;
  resolve: (outcome: LedgerOutcome) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most operations in one transaction (default 64). */
  maxBatch?: number;
  /** Most operations waiting for one account and credit type (default 1,024); beyond it LedgerOverloadedError. */
  maxQueuedPerKey?: number;
  /** Most operations waiting in this process, all accounts together (default 8,192); beyond it LedgerOverloadedError. */
  maxQueued?: number;
}

/**
 * The batch's session is gone (no SQLSTATE: the socket failed; class 08: the
 * connection; 57P01-57P03: the backend was terminated, the server is
 * shutting down or restarting): the batch may have committed just before.
 * Any other SQLSTATE is the server refusing the statement, rolled back.
 */
function sessionLost(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || /^57P0[123]$/.test(code);
}

/**
 * Group commit for hot accounts. Operations of one account and credit type
 * that arrive while one of its transactions is in flight wait for it, then
 * run together as the next transaction (ledger_execute_batch): one balance
 * lock, one WAL flush for all of them, each with its own result, refusal,
 * idempotency record and entries. An operation that finds its account idle
 * waits only for the current turn of the event loop (setImmediate), so a
 * lone request is not delayed; under load the wait is at most one batch.
 *
 * Batching, not a faster single operation, is what beats a hot row: the row
 * lock is taken once per batch instead of once per operation. Within one
 * process, one transaction per account is in flight at a time; several
 * processes still serialise on the row lock, each with its own batches.
 *
 * The queues are bounded, per account and in total: past a bound an
 * operation is refused at once (LedgerOverloadedError, 503 with
 * Retry-After), so overload shows as refusals instead of growing memory and
 * latency. Each operation is built when its batch is sent, so its `now` is
 * the send time: a grant that expired while the operation waited is not
 * burned.
 */
export class GroupCommit {
  private readonly queues = new WeakMap<Database, Map<string, Waiting[]>>();
  private readonly maxBatch: number;
  private readonly maxQueuedPerKey: number;
  private readonly maxQueued: number;
  private waiting = 0;
  /**
   * What has run: transactions (batches of one included) and operations;
   * batches the server refused and that ran again one operation at a time;
   * batches whose session was lost, answered with the failure.
   */
  readonly stats = { transactions: 0, operations: 0, largest: 0, rerunAlone: 0, unanswered: 0 };

  constructor(options: GroupCommitOptions = {}) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxQueuedPerKey = options.maxQueuedPerKey ?? 1024;
    this.maxQueued = options.maxQueued ?? 8192;
  }

  /** Operations waiting, not yet sent. */
  get queued(): number {
    return this.waiting;
  }

  submit(db: Database, key: string, build: () => LedgerOp): Promise<LedgerOutcome> {
    let byKey = this.queues.get(db);
    if (!byKey) {
      byKey = new Map();
      this.queues.set(db, byKey);
    }
    const queues = byKey;
    const queue = queues.get(key);
    if ((queue?.length ?? 0) >= this.maxQueuedPerKey || this.waiting >= this.maxQueued) {
      return Promise.reject(new LedgerOverloadedError(1));
    }
    return new Promise((resolve, reject) => {
      this.waiting += 1;
      if (queue) {
        queue.push({ build, resolve, reject });
        return;
      }
      queues.set(key, [{ build, resolve, reject }]);
      setImmediate(() => void this.drain(db, queues, key));
    });
  }

  private async drain(db: Database, queues: Map<string, Waiting[]>, key: string): Promise<void> {
    const waiting = queues.get(key)!;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, this.maxBatch);
      this.waiting -= batch.length;
      await this.run(db, batch);
    }
    queues.delete(key);
  }

  private async run(db: Database, batch: Waiting[]): Promise<void> {
    this.stats.transactions += 1;
    this.stats.operations += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    if (batch.length === 1) return this.runAlone(db, batch[0]!);
    let outcomes: LedgerOutcome[];
    try {
      outcomes = await retryingConflicts(() =>
        executeLedgerBatch(
          db,
          batch.map((w) => w.build()),
        ),
      );
    } catch (error) {
      if (sessionLost(error)) {
        // The batch may or may not have committed. Only a retry with each
        // operation's idempotency key can tell; running them again here could
        // burn twice.
        this.stats.unanswered += 1;
        for (const w of batch) w.reject(error);
        return;
      }
      // The server refused the batch (a constraint, an idempotency race with
      // another process, a cancel) and rolled all of it back: run each
      // operation alone, so the failure reaches only its own caller.
      this.stats.rerunAlone += 1;
      for (const w of batch) await this.runAlone(db, w);
      return;
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]!));
  }

  private async runAlone(db: Database, w: Waiting): Promise<void> {
    try {
      w.resolve(await runAlone(db, w.build));
    } catch (error) {
      w.reject(error);
    }
  }
}

/** Group commit with the default bounds, for the processes' ledger dependencies. */
export function createGroupCommit(options: GroupCommitOptions = {}): GroupCommit {
  return new GroupCommit(options);
}
