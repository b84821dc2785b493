import type { SqliteDatabase, SqliteStatement } from './database.js';

/**
 * Every statement the store runs, prepared once per connection. The SQL of the data operations
 * lives here alone, beside the schema it depends on (schema.ts). A "digest key" is a digest in
 * its stored form (digest-key.ts); a "repo id" is a row of `layercache_repos`.
 *
 * Expiry compares the stored `expires_at` with `Date.now()` passed as a parameter, never with
 * SQLite's clock, so one clock rules TTLs (and tests can fake it).
 */
export interface Statements {
  readonly begin: SqliteStatement;
  readonly beginImmediate: SqliteStatement;
  readonly commit: SqliteStatement;
  readonly rollback: SqliteStatement;
  /** (repo, digest key, now) → 1 or undefined. */
  readonly contains: SqliteStatement;
  /** (digest key, now) → [path head, path tail (stored-path.ts), length] or undefined. */
  readonly meta: SqliteStatement;
  /** (repo, repo): makes sure the repository has an id. */
  readonly addRepo: SqliteStatement;
  /** (repo, digest key, expiresAt), after {@link addRepo} in the same transaction. */
  readonly add: SqliteStatement;
  /** (repo, digest key) → [expires_at, repo id] of the deleted row, or undefined. */
  readonly remove: SqliteStatement;
  /** (repo id, repo id): deletes the repository's row if no link names it any more. */
  readonly dropRepoIfEmpty: SqliteStatement;
  /** (digest key, path head, path tail, length, expiresAt) */
  readonly setMeta: SqliteStatement;
  /** (digest key) → the deleted row's expires_at, or undefined. */
  readonly deleteMeta: SqliteStatement;
  readonly clearLinks: SqliteStatement;
  readonly clearMetas: SqliteStatement;
  readonly clearRepos: SqliteStatement;
  /** (now, limit) → the repo id of each deleted row. */
  readonly sweepLinks: SqliteStatement;
  /** (now, limit) */
  readonly sweepMetas: SqliteStatement;
}

export function prepareStatements(db: SqliteDatabase): Statements {
  return {
    begin: db.prepare('BEGIN'),
    beginImmediate: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    // One statement, so the repository's id and its link are read from the same snapshot: an id
    // is never cached in the process, where it could outlive its name (see schema.ts).
    contains: db
      .prepare(
        `SELECT 1 FROM layercache_links
         WHERE repo = (SELECT id FROM layercache_repos WHERE name = ?) AND digest = ?
           AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .pluck(),
    meta: db
      .prepare(
        `SELECT path_head, path_tail, length FROM layercache_metas
         WHERE digest = ? AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .raw(),
    // Not `ON CONFLICT DO NOTHING`: with AUTOINCREMENT, that uses up an id on every conflict (and
    // writes sqlite_sequence), so ids, and the links naming them, would grow with every add.
    addRepo: db.prepare(
      `INSERT INTO layercache_repos (name)
       SELECT ? WHERE NOT EXISTS (SELECT 1 FROM layercache_repos WHERE name = ?)`,
    ),
    // An unchanged row is not rewritten, so re-adding a known membership costs no page write.
    add: db.prepare(
      `INSERT INTO layercache_links (repo, digest, expires_at)
       VALUES ((SELECT id FROM layercache_repos WHERE name = ?), ?, ?)
       ON CONFLICT (repo, digest) DO UPDATE SET expires_at = excluded.expires_at
       WHERE expires_at IS NOT excluded.expires_at`,
    ),
    // Deletes an expired row too (so nothing is left behind), but the caller reports only a
    // live one.
    remove: db
      .prepare(
        `DELETE FROM layercache_links
         WHERE repo = (SELECT id FROM layercache_repos WHERE name = ?) AND digest = ?
         RETURNING expires_at, repo`,
      )
      .raw(),
    // So that repositories whose links are all gone do not pile up.
    dropRepoIfEmpty: db.prepare(
      `DELETE FROM layercache_repos
       WHERE id = ? AND NOT EXISTS (SELECT 1 FROM layercache_links WHERE repo = ?)`,
    ),
    setMeta: db.prepare(
      `INSERT INTO layercache_metas (digest, path_head, path_tail, length, expires_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (digest) DO UPDATE
       SET path_head = excluded.path_head, path_tail = excluded.path_tail,
           length = excluded.length, expires_at = excluded.expires_at`,
    ),
    deleteMeta: db
      .prepare('DELETE FROM layercache_metas WHERE digest = ? RETURNING expires_at')
      .pluck(),
    clearLinks: db.prepare('DELETE FROM layercache_links'),
    clearMetas: db.prepare('DELETE FROM layercache_metas'),
    clearRepos: db.prepare('DELETE FROM layercache_repos'),
    sweepLinks: db
      .prepare(
        `DELETE FROM layercache_links WHERE (repo, digest) IN
           (SELECT repo, digest FROM layercache_links WHERE expires_at <= ? LIMIT ?)
         RETURNING repo`,
      )
      .pluck(),
    sweepMetas: db.prepare(
      `DELETE FROM layercache_metas WHERE digest IN
         (SELECT digest FROM layercache_metas WHERE expires_at <= ? LIMIT ?)`,
    ),
  };
}
