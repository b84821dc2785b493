import { commits } from './commits.js';
import type { SqliteDatabase } from './database.js';
import type { Statements } from './statements.js';

// Rows deleted per statement; another batch follows on a later turn of the event loop, so a
// large backlog of expired rows never stalls callers.
const SWEEP_BATCH = 500;
// How late the timer may be before the write path sweeps in its place (see `Sweep.whenLate`).
const LATE_MS = 100;

/** The background deletion of expired rows. */
export interface Sweep {
  /**
   * Called after the writes of a tick committed: runs one batch if the timer is more than
   * {@link LATE_MS} ms late, or the last batch was full. A caller that never yields to the event loop — a bulk import, a
   * benchmark's closed loop awaiting one call after another — starves every timer, and the file
   * would grow with expired rows for as long as it writes.
   */
  whenLate(): void;
  stop(): void;
}

/**
 * Deletes expired rows every `intervalMs` (the timer is `unref()`ed), and from the write path when
 * the timer is starved. Expired rows are never answered anyway: the sweep only keeps the file from
 * growing.
 */
export function startSweep(
  db: SqliteDatabase,
  statements: Statements,
  { intervalMs, flush }: { readonly intervalMs: number; readonly flush: () => void },
): Sweep {
  let stopped = false;
  // From when the write path sweeps: once the timer is LATE_MS late, or at once after a full
  // batch (its follow-up is a timer too, which a starved loop would never run).
  let lateAt = performance.now() + intervalMs + LATE_MS;

  function sweep(): void {
    if (stopped || !db.open) return;
    lateAt = performance.now() + intervalMs + LATE_MS;
    let deleted = 0;
    try {
      flush();
      const now = Date.now();
      // A lent connection's owner may be inside a transaction of its own: leave it alone, and
      // sweep at the next interval.
      if (db.inTransaction) return;
      // One transaction per batch: the lock is held per batch, and a repository whose last link
      // expired goes with it.
      statements.beginImmediate.run();
      try {
        const repos = statements.sweepLinks.all(now, SWEEP_BATCH) as number[];
        for (const repo of new Set(repos)) statements.dropRepoIfEmpty.run(repo, repo);
        deleted = Math.max(repos.length, statements.sweepMetas.run(now, SWEEP_BATCH).changes);
        statements.commit.run();
      } catch (error) {
        // Ours: the connection was outside any transaction before BEGIN.
        if (db.open && db.inTransaction) statements.rollback.run();
        throw error;
      }
      if (deleted > 0) commits.value++;
    } catch {
      // A sweep that could not run (say, the file is locked) is retried at the next interval;
      // expired rows are never answered in the meantime, so nothing is wrong, only larger.
      return;
    }
    if (deleted === SWEEP_BATCH) {
      lateAt = 0;
      setTimeout(sweep, 0).unref();
    }
  }

  const timer = setInterval(sweep, intervalMs).unref();
  return {
    whenLate() {
      if (performance.now() >= lateAt) sweep();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
