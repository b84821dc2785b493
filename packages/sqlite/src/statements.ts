import type { SqliteDatabase, SqliteStatement } from './database.js';

/**
 * Every statement the store runs, prepared once per connection. The SQL of the data operations
 * lives here alone, beside the schema it depends on (schema.ts).
 *
 * Expiry compares the stored `expires_at` with `Date.now()` passed as a parameter, never with
 * SQLite's clock, so one clock rules TTLs (and tests can fake it).
 */
export interface Statements {
  readonly begin: SqliteStatement;
  readonly beginImmediate: SqliteStatement;
  readonly commit: SqliteStatement;
  readonly rollback: SqliteStatement;
  readonly syncFull: SqliteStatement;
  readonly syncNormal: SqliteStatement;
  /** (repo, digest, now) → 1 or undefined. */
  readonly contains: SqliteStatement;
  /** (digest, now) → [path, length] or undefined. */
  readonly meta: SqliteStatement;
  /** (repo, digest, expiresAt) */
  readonly add: SqliteStatement;
  /** (repo, digest) → the deleted row's expires_at, or undefined. */
  readonly remove: SqliteStatement;
  /** (digest, path, length, expiresAt) */
  readonly setMeta: SqliteStatement;
  /** (digest) → the deleted row's expires_at, or undefined. */
  readonly deleteMeta: SqliteStatement;
  readonly clearLinks: SqliteStatement;
  readonly clearMetas: SqliteStatement;
  /** (now, limit) */
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
    syncFull: db.prepare('PRAGMA synchronous = FULL'),
    syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
    contains: db
      .prepare(
        `SELECT 1 FROM layercache_links
         WHERE repo = ? AND digest = ? AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .pluck(),
    meta: db
      .prepare(
        `SELECT path, length FROM layercache_metas
         WHERE digest = ? AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .raw(),
    // An unchanged row is not rewritten, so re-adding a known membership costs no page write.
    add: db.prepare(
      `INSERT INTO layercache_links (repo, digest, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (repo, digest) DO UPDATE SET expires_at = excluded.expires_at
       WHERE expires_at IS NOT excluded.expires_at`,
    ),
    // Deletes an expired row too (so nothing is left behind), but the caller reports only a
    // live one.
    remove: db
      .prepare('DELETE FROM layercache_links WHERE repo = ? AND digest = ? RETURNING expires_at')
      .pluck(),
    setMeta: db.prepare(
      `INSERT INTO layercache_metas (digest, path, length, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (digest) DO UPDATE
       SET path = excluded.path, length = excluded.length, expires_at = excluded.expires_at`,
    ),
    deleteMeta: db
      .prepare('DELETE FROM layercache_metas WHERE digest = ? RETURNING expires_at')
      .pluck(),
    clearLinks: db.prepare('DELETE FROM layercache_links'),
    clearMetas: db.prepare('DELETE FROM layercache_metas'),
    sweepLinks: db.prepare(
      `DELETE FROM layercache_links WHERE (repo, digest) IN
         (SELECT repo, digest FROM layercache_links WHERE expires_at <= ? LIMIT ?)`,
    ),
    sweepMetas: db.prepare(
      `DELETE FROM layercache_metas WHERE digest IN
         (SELECT digest FROM layercache_metas WHERE expires_at <= ? LIMIT ?)`,
    ),
  };
}
