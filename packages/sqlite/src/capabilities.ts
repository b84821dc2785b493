import type { LayerCacheEntry, LayerInfoStore } from '@layercache/core';
import type { SqliteDatabase as Database } from './database.js';
import { decodeDigest, encodeDigest } from './digest-key.js';
import { unavailable } from './errors.js';
import { unpackPath } from './stored-path.js';

/** What the capabilities borrow from the store: its write queue and its notion of "live". */
export interface CapabilityContext {
  readonly filename: string;
  /** Queues a revoking write of several statements, committed in the tick's batch transaction. */
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
    .prepare('DELETE FROM layercache_links WHERE digest = ? RETURNING repo, expires_at')
    .raw();
  const dropRepoIfEmpty = db.prepare(
    `DELETE FROM layercache_repos
     WHERE id = ? AND NOT EXISTS (SELECT 1 FROM layercache_links WHERE repo = ?)`,
  );
  // Keyset pagination on the primary keys (repository id, digest key): each page starts after the
  // last row of the one before.
  const linksPage = db
    .prepare(
      `SELECT l.repo, l.digest, r.name FROM layercache_links AS l
       JOIN layercache_repos AS r ON r.id = l.repo
       WHERE (l.repo, l.digest) > (?, ?) AND (l.expires_at IS NULL OR l.expires_at > ?)
       ORDER BY l.repo, l.digest LIMIT ?`,
    )
    .raw();
  const metasPage = db
    .prepare(
      `SELECT digest, path_head, path_tail, length FROM layercache_metas
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
    forgetDigest(digest, signal) {
      const key = encodeDigest(digest);
      return revoke((now) => {
        let removed = 0;
        for (const [repo, expiresAt] of forget.all(key) as [number, unknown][]) {
          if (live(expiresAt, now)) removed += 1;
          dropRepoIfEmpty.run(repo, repo);
        }
        return removed;
      }, signal);
    },

    *entries(): Generator<LayerCacheEntry> {
      // Integer ids are positive, so (0, X'') sorts before every row.
      let after: [number, Uint8Array] = [0, new Uint8Array(0)];
      for (;;) {
        const rows = page<[number, Uint8Array, string]>(linksPage, [...after, Date.now(), PAGE]);
        for (const [, key, repo] of rows) {
          yield { kind: 'membership', repo, digest: decodeDigest(key) };
        }
        if (rows.length < PAGE) break;
        const [repo, key] = rows[rows.length - 1]!;
        after = [repo, key];
      }
      let last: Uint8Array = new Uint8Array(0);
      for (;;) {
        const rows = page<[Uint8Array, string, string | null, number]>(metasPage, [
          last,
          Date.now(),
          PAGE,
        ]);
        for (const [key, head, tail, length] of rows) {
          const digest = decodeDigest(key);
          yield { kind: 'meta', digest, meta: { path: unpackPath(head, tail, digest), length } };
        }
        if (rows.length < PAGE) break;
        last = rows[rows.length - 1]![0];
      }
    },
  };
}
