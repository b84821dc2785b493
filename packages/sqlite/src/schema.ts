import { UnavailableError } from '@layercache/core';
import type { Database } from 'better-sqlite3';

/** The layout this release reads and writes, recorded in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 2;

/**
 * `MIGRATIONS[v]` upgrades a database from `user_version` v to v + 1. A layout change appends a
 * step here and never edits an old one: a file written by any earlier release then upgrades in
 * place on open, inside one `BEGIN IMMEDIATE` transaction (DDL is transactional in SQLite, so a
 * failed upgrade leaves the file as it was, and two processes opening it at once upgrade it once).
 *
 * Tables are `WITHOUT ROWID` and keyed by what the two lookups ask for, so `contains` and `meta`
 * are each one B-tree search and no separate index doubles the file size. Names start with
 * `layercache_` so the tables can live in a borrowed database beside the application's own.
 */
const MIGRATIONS: readonly string[] = [
  // 0 → 1: memberships and metas.
  `CREATE TABLE layercache_links (
     repo   TEXT NOT NULL,
     digest TEXT NOT NULL,
     PRIMARY KEY (repo, digest)
   ) WITHOUT ROWID;
   CREATE TABLE layercache_metas (
     digest TEXT NOT NULL PRIMARY KEY,
     path   TEXT NOT NULL,
     length INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // 1 → 2: per-entry expiry for ttlMs, as Date.now() milliseconds (NULL: never). Partial
  // indexes so the sweep finds expired rows without scanning, at no cost when ttlMs is unset.
  `ALTER TABLE layercache_links ADD COLUMN expires_at INTEGER;
   ALTER TABLE layercache_metas ADD COLUMN expires_at INTEGER;
   CREATE INDEX layercache_links_expiry ON layercache_links (expires_at)
     WHERE expires_at IS NOT NULL;
   CREATE INDEX layercache_metas_expiry ON layercache_metas (expires_at)
     WHERE expires_at IS NOT NULL;`,
];

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function tooNew(version: number, filename: string): UnavailableError {
  return new UnavailableError(
    `layercache sqlite: ${filename} has schema version ${version} (PRAGMA user_version), newer than ` +
      `the ${SCHEMA_VERSION} this release understands. What to do: upgrade @layercache/sqlite, or ` +
      `give this cache its own file if another application uses user_version.`,
  );
}

/**
 * Throws when the file was written by a newer release. Runs before anything is changed on open
 * (even the journal mode), so such a file is left byte for byte as it was.
 */
export function refuseNewer(db: Database, filename: string): void {
  const version = userVersion(db);
  if (version > SCHEMA_VERSION) throw tooNew(version, filename);
}

/**
 * Brings the cache's tables to {@link SCHEMA_VERSION}, creating them in a new file. Refuses a
 * file from a newer release rather than guessing at its layout.
 */
export function migrate(db: Database, filename: string): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  // Take the write lock before reading the version again, so a concurrent opener that upgraded
  // the file first is seen and its work is not redone.
  db.exec('BEGIN IMMEDIATE');
  try {
    const from = userVersion(db);
    if (from > SCHEMA_VERSION) throw tooNew(from, filename);
    for (let version = from; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
