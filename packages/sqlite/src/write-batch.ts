import { commits } from './commits.js';
import type { SqliteDatabase } from './database.js';
import { unavailable } from './errors.js';
import type { Statements } from './statements.js';

// A burst larger than this is split so one transaction never holds the write lock for long.
const MAX_WRITE_BATCH = 512;

const OWNER_TRANSACTION =
  'the borrowed database is inside a transaction its owner opened; commit or roll it back ' +
  'before the tick ends, and do not hold one open across an await';

/** How a write is committed. */
export interface WriteKind {
  /** One statement: may run alone in autocommit mode. */
  readonly single: boolean;
  /** Removes something (remove, deleteMeta, clear): must not be lost to a power cut. */
  readonly revokes: boolean;
}

interface WriteJob extends WriteKind {
  readonly run: (now: number) => unknown;
  readonly signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  result?: unknown;
}

/** The queue of writes committed together at the end of a tick. */
export interface WriteBatch {
  /** Queues `run`; resolves with its result once its batch has committed. */
  write<T>(run: (now: number) => T, kind: WriteKind, signal: AbortSignal | undefined): Promise<T>;
  /** Commits every queued write now. */
  flush(): void;
}

/**
 * Writes of the same tick are queued and committed in one `BEGIN IMMEDIATE` transaction (taking
 * the write lock up front, so a writer waits for another process instead of failing with a busy
 * snapshot); each caller resolves only after the commit. If the batch fails, every caller in it
 * rejects with the cause: a failure is never reported as a miss.
 *
 * With `syncRevocations`, the connection rests at `synchronous = NORMAL` and is raised to `FULL`
 * for the commit of every batch that revokes something.
 */
export function createWriteBatch(
  db: SqliteDatabase,
  statements: Statements,
  options: {
    readonly filename: string;
    readonly syncRevocations: boolean;
    /** Ends the read snapshot before writing. */
    readonly endReads: () => void;
    readonly atEndOfTick: () => void;
  },
): WriteBatch {
  const { filename, syncRevocations, endReads, atEndOfTick } = options;
  let queue: WriteJob[] = [];

  function flush(): void {
    endReads();
    while (queue.length > 0) {
      const batch = queue.length <= MAX_WRITE_BATCH ? queue : queue.slice(0, MAX_WRITE_BATCH);
      queue = batch === queue ? [] : queue.slice(MAX_WRITE_BATCH);
      commitBatch(batch);
    }
  }

  // A caller that aborted before its write reached SQLite must find nothing written.
  function live(batch: WriteJob[]): WriteJob[] {
    if (!batch.some((job) => job.signal?.aborted)) return batch;
    const jobs: WriteJob[] = [];
    for (const job of batch) {
      if (job.signal?.aborted) job.reject(job.signal.reason);
      else jobs.push(job);
    }
    return jobs;
  }

  function commitBatch(batch: WriteJob[]): void {
    const jobs = live(batch);
    if (jobs.length === 0) return;
    const now = Date.now();
    let began = false;
    // In WAL mode a FULL commit fsyncs the log, and with it every NORMAL commit before it; after
    // a power cut SQLite recovers a prefix of the commits. So once a revocation is acknowledged,
    // nothing older than it can be lost, and no revoked membership can come back.
    const durable = syncRevocations && jobs.some((job) => job.revokes);
    try {
      // Only a lent connection can be here: writing inside its owner's transaction would
      // acknowledge writes that the owner may still roll back.
      if (db.inTransaction) throw new Error(OWNER_TRANSACTION);
      if (durable) setSynchronous('FULL');
      const only = jobs.length === 1 ? jobs[0] : undefined;
      if (only?.single) {
        only.result = only.run(now);
      } else {
        statements.beginImmediate.run();
        began = true;
        for (const job of jobs) job.result = job.run(now);
        statements.commit.run();
      }
    } catch (cause) {
      try {
        // Only our own transaction: a lent connection's may be its owner's.
        if (began && db.open && db.inTransaction) statements.rollback.run();
      } catch {
        // Nothing more to undo: SQLite rolls back an interrupted transaction itself.
      }
      const error = unavailable(cause, filename, 'writing to');
      for (const job of jobs) job.reject(error);
      return;
    } finally {
      if (durable) restoreNormal();
    }
    commits.value++;
    for (const job of jobs) job.resolve(job.result);
  }

  // Never a prepared statement: SQLite applies `PRAGMA synchronous = …` when the statement is
  // compiled, not when it runs, so a statement prepared once would set the level once, at
  // prepare time, and running it again would change nothing.
  function setSynchronous(level: 'FULL' | 'NORMAL'): void {
    db.pragma(`synchronous = ${level}`);
  }

  function restoreNormal(): void {
    try {
      if (db.open && !db.inTransaction) setSynchronous('NORMAL');
    } catch {
      // Staying at FULL is only slower; the next durable batch tries again.
    }
  }

  return {
    write(run, kind, signal) {
      return new Promise((resolve, reject) => {
        queue.push({
          run,
          single: kind.single,
          revokes: kind.revokes,
          signal,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        if (queue.length >= MAX_WRITE_BATCH) flush();
        else atEndOfTick();
      });
    },
    flush,
  };
}
