import { commits } from './commits.js';
import type { SqliteDatabase } from './database.js';
import type { Statements } from './statements.js';

// Rows deleted per statement; another batch follows on a later turn of the event loop, so a
// large backlog of expired rows never stalls callers.
const SWEEP_BATCH = 500;

/**
 * Deletes expired rows every `intervalMs` (the timer is `unref()`ed). Expired rows are never
 * answered anyway: the sweep only keeps the file from growing. Returns a function that stops it.
 */
export function startSweep(
  db: SqliteDatabase,
  statements: Statements,
  { intervalMs, flush }: { readonly intervalMs: number; readonly flush: () => void },
): () => void {
  let stopped = false;

  function sweep(): void {
    if (stopped || !db.open) return;
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
    if (deleted === SWEEP_BATCH) setTimeout(sweep, 0).unref();
  }

  const timer = setInterval(sweep, intervalMs).unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
