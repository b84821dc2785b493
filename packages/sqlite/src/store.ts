import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import type { Database } from 'better-sqlite3';
import { createSqliteCapabilities } from './capabilities.js';
import { unavailable } from './errors.js';

/** What {@link createSqliteStore} needs besides the open, migrated connection. */
export interface SqliteStoreConfig {
  /** Named in error messages. */
  readonly filename: string;
  readonly ttlMs: number | undefined;
  readonly sweepIntervalMs: number;
  /** Close the connection on `close()` (we opened it) or leave it open (it was lent to us). */
  readonly owned: boolean;
  /**
   * The connection rests at `synchronous = NORMAL`; raise it to `FULL` for the commit of every
   * batch that revokes something (see `commitBatch`).
   */
  readonly syncRevocations?: boolean;
}

// Writes issued in one tick are committed together; a burst larger than this is split so one
// transaction never holds the write lock for long.
const MAX_WRITE_BATCH = 512;
// Bounds on how long one read snapshot is reused (see `beginRead`).
const MAX_WINDOW_READS = 512;
const MAX_WINDOW_MS = 5;
// Rows deleted per statement by the TTL sweep; another batch follows on a later turn of the
// event loop, so a large backlog of expired rows never stalls callers.
const SWEEP_BATCH = 500;

// Counts commits by every store in this process (and by other copies of this package: the
// counter lives on globalThis). A read snapshot taken before a commit is dropped at the next read,
// so a cache always sees what another cache on the same file acknowledged before the read began.
const COMMITS_KEY = Symbol.for('@layercache/sqlite.commits');
const shared = globalThis as { [COMMITS_KEY]?: { value: number } };
shared[COMMITS_KEY] ??= { value: 0 };
const commits = shared[COMMITS_KEY];

const OWNER_TRANSACTION =
  'the borrowed database is inside a transaction its owner opened; commit or roll it back ' +
  'before the tick ends, and do not hold one open across an await';

interface WriteJob {
  readonly run: (now: number) => unknown;
  /** One statement: may run alone in autocommit mode. */
  readonly single: boolean;
  /** Removes something (remove, deleteMeta, clear): must not be lost to a power cut. */
  readonly revokes: boolean;
  readonly signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  result?: unknown;
}

/**
 * The SQLite {@link LayerInfoStore}.
 *
 * Reads answer synchronously inside a read transaction shared by every read of the same tick
 * (until `process.nextTick` runs, after the current code and its promise continuations, and at
 * most {@link MAX_WINDOW_READS} reads or {@link MAX_WINDOW_MS} ms): in WAL mode opening a read
 * transaction is most of the cost of an autocommit `SELECT`, so sharing it is what makes the
 * cache faster than one autocommit statement per lookup. No message from another process can
 * arrive during one tick (I/O callbacks run between ticks), so a caller can only tell the shared
 * snapshot from a fresh one by comparing clocks across processes, and then by at most 5 ms;
 * commits by other stores in this process end it at once (see `commits`).
 *
 * Writes of the same tick are queued and committed in one `BEGIN IMMEDIATE` transaction (taking
 * the write lock up front, so a writer waits for another process instead of failing with a busy
 * snapshot); each caller resolves only after the commit. If the batch fails, every caller in it
 * rejects with the cause: a failure is never reported as a miss.
 *
 * Expiry compares the stored `expires_at` with `Date.now()` passed as a parameter, never with
 * SQLite's clock, so one clock rules TTLs (and tests can fake it).
 */
export function createSqliteStore(db: Database, config: SqliteStoreConfig): LayerInfoStore {
  const { filename, ttlMs, owned } = config;
  const syncRevocations = config.syncRevocations === true;
  // A lent connection may run its owner's transactions between our calls; holding a read
  // transaction open on it for a tick would make their BEGIN fail, so reads there autocommit.
  const readWindows = owned;

  const begin = db.prepare('BEGIN');
  const beginImmediate = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const syncFull = db.prepare('PRAGMA synchronous = FULL');
  const syncNormal = db.prepare('PRAGMA synchronous = NORMAL');

  const containsStatement = db
    .prepare(
      `SELECT 1 FROM layercache_links
       WHERE repo = ? AND digest = ? AND (expires_at IS NULL OR expires_at > ?)`,
    )
    .pluck();
  const metaStatement = db
    .prepare(
      `SELECT path, length FROM layercache_metas
       WHERE digest = ? AND (expires_at IS NULL OR expires_at > ?)`,
    )
    .raw();
  // An unchanged row is not rewritten, so re-adding a known membership costs no page write.
  const addStatement = db.prepare(
    `INSERT INTO layercache_links (repo, digest, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (repo, digest) DO UPDATE SET expires_at = excluded.expires_at
     WHERE expires_at IS NOT excluded.expires_at`,
  );
  // Deletes an expired row too (so nothing is left behind), but reports only a live one.
  const removeStatement = db
    .prepare('DELETE FROM layercache_links WHERE repo = ? AND digest = ? RETURNING expires_at')
    .pluck();
  const setMetaStatement = db.prepare(
    `INSERT INTO layercache_metas (digest, path, length, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (digest) DO UPDATE
     SET path = excluded.path, length = excluded.length, expires_at = excluded.expires_at`,
  );
  const deleteMetaStatement = db
    .prepare('DELETE FROM layercache_metas WHERE digest = ? RETURNING expires_at')
    .pluck();
  const clearLinks = db.prepare('DELETE FROM layercache_links');
  const clearMetas = db.prepare('DELETE FROM layercache_metas');
  const sweepLinks = db.prepare(
    `DELETE FROM layercache_links WHERE (repo, digest) IN
       (SELECT repo, digest FROM layercache_links WHERE expires_at <= ? LIMIT ?)`,
  );
  const sweepMetas = db.prepare(
    `DELETE FROM layercache_metas WHERE digest IN
       (SELECT digest FROM layercache_metas WHERE expires_at <= ? LIMIT ?)`,
  );

  let closed = false;
  let tickScheduled = false;
  let queue: WriteJob[] = [];

  let windowOpen = false;
  let windowReads = 0;
  let windowStart = 0;
  let windowCommits = 0;

  // `expiresAt` as a RETURNING clause hands it back: undefined when no row was deleted.
  const live = (expiresAt: unknown, now: number) =>
    expiresAt === null || (typeof expiresAt === 'number' && expiresAt > now);
  const expiry = (now: number) => (ttlMs === undefined ? null : now + ttlMs);

  function endOfTick(): void {
    tickScheduled = false;
    flush();
  }

  function scheduleEndOfTick(): void {
    if (tickScheduled) return;
    tickScheduled = true;
    process.nextTick(endOfTick);
  }

  function endWindow(): void {
    if (!windowOpen) return;
    windowOpen = false;
    if (!db.inTransaction) return;
    try {
      commit.run();
    } catch {
      // Ending a read-only transaction cannot lose anything; make sure it is gone so the next
      // write can begin its own.
      if (db.inTransaction) rollback.run();
    }
  }

  // Opens (or keeps) the tick's read snapshot before a read.
  function beginRead(now: number): void {
    if (windowOpen) {
      if (
        windowReads < MAX_WINDOW_READS &&
        windowCommits === commits.value &&
        now - windowStart < MAX_WINDOW_MS &&
        now >= windowStart
      ) {
        windowReads++;
        return;
      }
      endWindow();
    }
    if (!readWindows || db.inTransaction) return;
    begin.run();
    windowOpen = true;
    windowReads = 1;
    windowStart = now;
    windowCommits = commits.value;
    scheduleEndOfTick();
  }

  function readFailed(error: unknown, action: string): Error {
    const ours = windowOpen;
    windowOpen = false;
    try {
      if (ours && db.open && db.inTransaction) rollback.run();
    } catch {
      // The connection is unusable; the original error says why.
    }
    return unavailable(error, filename, action);
  }

  // Commits the queued writes in one transaction and settles their callers.
  function flush(): void {
    endWindow();
    while (queue.length > 0) {
      const batch = queue.length <= MAX_WRITE_BATCH ? queue : queue.slice(0, MAX_WRITE_BATCH);
      queue = batch === queue ? [] : queue.slice(MAX_WRITE_BATCH);
      commitBatch(batch);
    }
  }

  function commitBatch(batch: WriteJob[]): void {
    // A caller that aborted before its write reached SQLite must find nothing written.
    let jobs = batch;
    if (batch.some((job) => job.signal?.aborted)) {
      jobs = [];
      for (const job of batch) {
        if (job.signal?.aborted) job.reject(job.signal.reason);
        else jobs.push(job);
      }
      if (jobs.length === 0) return;
    }
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
      if (durable) syncFull.run();
      if (jobs.length === 1 && jobs[0]!.single) {
        jobs[0]!.result = jobs[0]!.run(now);
      } else {
        beginImmediate.run();
        began = true;
        for (const job of jobs) job.result = job.run(now);
        commit.run();
      }
    } catch (cause) {
      try {
        // Only our own transaction: a lent connection's may be its owner's.
        if (began && db.open && db.inTransaction) rollback.run();
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

  function restoreNormal(): void {
    try {
      if (db.open && !db.inTransaction) syncNormal.run();
    } catch {
      // Staying at FULL is only slower; the next durable batch tries again.
    }
  }

  function write<T>(
    run: (now: number) => T,
    single: boolean,
    revokes: boolean,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({
        run,
        single,
        revokes,
        signal,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (queue.length >= MAX_WRITE_BATCH) flush();
      else scheduleEndOfTick();
    });
  }

  function sweep(): void {
    if (closed || !db.open) return;
    let deleted = 0;
    try {
      flush();
      const now = Date.now();
      // Each DELETE is one statement, hence its own transaction: the lock is held per batch.
      deleted = sweepLinks.run(now, SWEEP_BATCH).changes;
      deleted = Math.max(deleted, sweepMetas.run(now, SWEEP_BATCH).changes);
      if (deleted > 0) commits.value++;
    } catch {
      // A sweep that could not run (say, the file is locked) is retried at the next interval;
      // expired rows are never answered in the meantime, so nothing is wrong, only larger.
      return;
    }
    if (deleted === SWEEP_BATCH) setTimeout(sweep, 0).unref();
  }

  const sweepTimer =
    ttlMs === undefined ? undefined : setInterval(sweep, config.sweepIntervalMs).unref();

  return {
    contains(repo, digest) {
      const now = Date.now();
      try {
        beginRead(now);
        return containsStatement.get(repo, digest, now) !== undefined;
      } catch (error) {
        throw readFailed(error, 'reading');
      }
    },

    meta(digest) {
      const now = Date.now();
      let row: unknown[] | undefined;
      try {
        beginRead(now);
        row = metaStatement.get(digest, now) as unknown[] | undefined;
      } catch (error) {
        throw readFailed(error, 'reading');
      }
      if (row === undefined) return undefined;
      const meta: LayerMeta = { path: row[0] as string, length: row[1] as number };
      return meta;
    },

    add: (repo, digest, signal) =>
      write(
        (now) => {
          addStatement.run(repo, digest, expiry(now));
        },
        true,
        false,
        signal,
      ),

    remove: (repo, digest, signal) =>
      write((now) => live(removeStatement.get(repo, digest), now), true, true, signal),

    setMeta: (digest, meta, signal) =>
      write(
        (now) => {
          setMetaStatement.run(digest, meta.path, meta.length, expiry(now));
        },
        true,
        false,
        signal,
      ),

    deleteMeta: (digest, signal) =>
      write((now) => live(deleteMetaStatement.get(digest), now), true, true, signal),

    clear: (signal) =>
      write(
        () => {
          clearLinks.run();
          clearMetas.run();
        },
        false,
        true,
        signal,
      ),

    close() {
      closed = true;
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      // Writes already queued were accepted before close: commit them rather than drop them
      // (or, if the connection is already gone, reject them rather than leave them pending).
      flush();
      if (owned && db.open) {
        try {
          db.close();
        } catch (error) {
          throw unavailable(error, filename, 'closing');
        }
      }
    },

    ...createSqliteCapabilities(db, {
      filename,
      live,
      revoke: (run, signal) => write(run, true, true, signal),
    }),
  };
}
