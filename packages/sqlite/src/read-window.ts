import { commits } from './commits.js';
import type { SqliteDatabase } from './database.js';
import type { Statements } from './statements.js';

// Bounds on how long one read snapshot is reused.
const MAX_WINDOW_READS = 512;
const MAX_WINDOW_MS = 5;

/** The read transaction shared by the reads of one tick. */
export interface ReadWindow {
  /** Opens (or keeps) the tick's read snapshot before a read at `now`. */
  begin(now: number): void;
  /** Ends the snapshot, if one is open (before a write, at the end of the tick). */
  end(): void;
  /** After a failed read: drops our snapshot so the connection is usable again. */
  abandon(): void;
}

/**
 * Reads answer synchronously inside a read transaction shared by every read of the same tick
 * (until the end of the tick, and at most {@link MAX_WINDOW_READS} reads or
 * {@link MAX_WINDOW_MS} ms): in WAL mode opening a read transaction is most of the cost of an
 * autocommit `SELECT`, so sharing it is what makes the cache faster than one autocommit
 * statement per lookup. No message from another process can arrive during one tick (I/O
 * callbacks run between ticks), so a caller can only tell the shared snapshot from a fresh one by
 * comparing clocks across processes, and then by at most 5 ms; commits by other stores in this
 * process end it at once (see commits.ts).
 *
 * `enabled` is false on a lent connection: its owner may run transactions between our calls, and
 * a read transaction held open for a tick would make their BEGIN fail, so reads there autocommit.
 */
export function createReadWindow(
  db: SqliteDatabase,
  statements: Statements,
  { enabled, atEndOfTick }: { readonly enabled: boolean; readonly atEndOfTick: () => void },
): ReadWindow {
  let open = false;
  let reads = 0;
  let startedAt = 0;
  let commitsSeen = 0;

  function end(): void {
    if (!open) return;
    open = false;
    if (!db.inTransaction) return;
    try {
      statements.commit.run();
    } catch {
      // Ending a read-only transaction cannot lose anything; make sure it is gone so the next
      // write can begin its own.
      if (db.inTransaction) statements.rollback.run();
    }
  }

  return {
    begin(now) {
      if (open) {
        const fresh =
          reads < MAX_WINDOW_READS &&
          commitsSeen === commits.value &&
          now - startedAt < MAX_WINDOW_MS &&
          now >= startedAt;
        if (fresh) {
          reads++;
          return;
        }
        end();
      }
      if (!enabled || db.inTransaction) return;
      statements.begin.run();
      open = true;
      reads = 1;
      startedAt = now;
      commitsSeen = commits.value;
      atEndOfTick();
    },
    end,
    abandon() {
      const ours = open;
      open = false;
      try {
        if (ours && db.open && db.inTransaction) statements.rollback.run();
      } catch {
        // The connection is unusable; the original error says why.
      }
    },
  };
}
