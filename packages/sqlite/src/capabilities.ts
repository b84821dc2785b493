import type { LayerCacheEntry, LayerInfoStore } from '@layercache/core';
import type { SqliteDatabase as Database } from './database.js';
import { unavailable } from './errors.js';

/** What the capabilities borrow from the store: its write queue and its notion of "live". */
export interface CapabilityContext {
  readonly filename: string;
  /** Queues a revoking single-statement write, committed with the tick's batch. */
  revoke<T>(run: (now: number) => T, signal: AbortSignal | undefined): Promise<T>;
  /** Whether an `expires_at` read back from a row is still live at `now`. */
  live(expiresAt: unknown, now: number): boolean;
}

// Rows per page of `entries`. Each page is one short SELECT, so no statement stays open across
// the caller's awaits (better-sqlite3 refuses writes on a connection with a statement mid-way,
// and the caller may remove entries while it lists them) and no read lock is held for long.
const PAGE = 1000;

/**
 * `forgetDigest` and `entries` for the SQLite store, off its hot path. Both scan: the tables are
 * keyed by (repo, digest) and digest, so forgetting a digest reads every membership row — about
 * a millisecond per 20,000 — which an index on digest would avoid at the price of a larger file
 * and a slower `add` for every request. A garbage collection deletes few blobs; it does not pay.
 */
export function createSqliteCapabilities(
  db: Database,
  context: CapabilityContext,
): Required<Pick<LayerInfoStore, 'forgetDigest' | 'entries'>> {
  const { filename, revoke, live } = context;
  const forget = db
    .prepare('DELETE FROM layercache_links WHERE digest = ? RETURNING expires_at')
    .pluck();
  // Keyset pagination on the primary keys: each page starts after the last row of the one before.
  const linksPage = db
    .prepare(
      `SELECT repo, digest FROM layercache_links
       WHERE (repo, digest) > (?, ?) AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY repo, digest LIMIT ?`,
    )
    .raw();
  const metasPage = db
    .prepare(
      `SELECT digest, path, length FROM layercache_metas
       WHERE digest > ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY digest LIMIT ?`,
    )
    .raw();

  function page<T>(statement: { all(...args: unknown[]): unknown[] }, args: unknown[]): T[] {
    try {
      return statement.all(...args) as T[];
    } catch (error) {
      throw unavailable(error, filename, 'listing');
    }
  }

  return {
    forgetDigest: (digest, signal) =>
      revoke((now) => {
        let removed = 0;
        for (const expiresAt of forget.all(digest)) if (live(expiresAt, now)) removed += 1;
        return removed;
      }, signal),

    *entries(): Generator<LayerCacheEntry> {
      let after: [string, string] = ['', ''];
      for (;;) {
        const rows = page<[string, string]>(linksPage, [...after, Date.now(), PAGE]);
        for (const [repo, digest] of rows) yield { kind: 'membership', repo, digest };
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!;
      }
      let last = '';
      for (;;) {
        const rows = page<[string, string, number]>(metasPage, [last, Date.now(), PAGE]);
        for (const [digest, path, length] of rows) {
          yield { kind: 'meta', digest, meta: { path, length } };
        }
        if (rows.length < PAGE) break;
        last = rows[rows.length - 1]![0];
      }
    },
  };
}
