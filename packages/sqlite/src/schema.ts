import { UnavailableError } from '@layercache/core';
import type { SqliteDatabase as Database } from './database.js';
import { MIGRATIONS } from './migrations.js';

export { MIGRATIONS } from './migrations.js';

/**
 * The layout this release reads and writes. A file the cache opens itself records it in
 * `PRAGMA user_version`; a borrowed database records it in the `layercache_schema` table, because
 * its `user_version` belongs to the application that lent it (see {@link readSchema}).
 */
export const SCHEMA_VERSION = 4;

/** The one-row table holding the version in a database shared with an application. */
export const VERSION_TABLE = 'layercache_schema (version INTEGER NOT NULL)';

/** Where a database keeps the cache's schema version. */
type VersionRecord = 'user_version' | 'layercache_schema';

/** The cache's schema version in a database, and where it is (or will be) recorded. */
interface SchemaState {
  readonly version: number;
  readonly record: VersionRecord;
}

function hasTable(db: Database, name: string): boolean {
  return (
    db
      .prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(name) !== undefined
  );
}

/**
 * The version of the cache's tables judged from their layout alone: 0 when there are none, else
 * the version whose columns they have. Only needed for a database without `layercache_schema`
 * that is not ours to read `user_version` in — a file an owned cache (or a release before
 * `layercache_schema` existed) wrote, later lent to us. Version 3 is told by its
 * `layercache_repos` table, version 4 by its `path_tail` column.
 */
function layoutVersion(db: Database): number {
  if (!hasTable(db, 'layercache_links')) return 0;
  if (hasTable(db, 'layercache_repos')) {
    return hasColumn(db, 'layercache_metas', 'path_tail') ? 4 : 3;
  }
  return hasColumn(db, 'layercache_links', 'expires_at') ? 2 : 1;
}

function hasColumn(db: Database, table: string, column: string): boolean {
  return (
    db
      .prepare("SELECT 1 FROM pragma_table_info(?, 'main') WHERE name = ?")
      .pluck()
      .get(table, column) !== undefined
  );
}

/**
 * Reads the cache's schema version without changing anything.
 *
 * - A database with a `layercache_schema` table keeps the version there, whoever opened it: the
 *   table marks a database shared with an application, whose `user_version` is never touched —
 *   even when it is later opened by `filename` rather than lent.
 * - Otherwise a file the cache opened itself (`owned`) keeps it in `PRAGMA user_version`.
 * - Otherwise (a borrowed database) `user_version` is the application's and is never read: the
 *   version comes from whether and how our tables exist, and will be recorded in
 *   `layercache_schema`.
 */
export function readSchema(db: Database, owned: boolean): SchemaState {
  if (hasTable(db, 'layercache_schema')) {
    const version = db.prepare('SELECT max(version) FROM layercache_schema').pluck().get();
    return {
      version: typeof version === 'number' ? version : layoutVersion(db),
      record: 'layercache_schema',
    };
  }
  if (owned) {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      record: 'user_version',
    };
  }
  return { version: layoutVersion(db), record: 'layercache_schema' };
}

function recordVersion(db: Database, record: VersionRecord, version: number): void {
  if (record === 'user_version') {
    db.pragma(`user_version = ${version}`);
    return;
  }
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE};
     DELETE FROM layercache_schema;
     INSERT INTO layercache_schema (version) VALUES (${version});`,
  );
}

function tooNew({ version, record }: SchemaState, filename: string): UnavailableError {
  const where = record === 'user_version' ? 'PRAGMA user_version' : 'table layercache_schema';
  const advice =
    record === 'user_version'
      ? 'upgrade @layercache/sqlite; or, if another application uses user_version in this file, ' +
        'give the cache its own file or lend it the connection with the database option (a lent ' +
        'database keeps the version in layercache_schema and leaves user_version alone)'
      : 'upgrade @layercache/sqlite';
  return new UnavailableError(
    `layercache sqlite: ${filename} has schema version ${version} (${where}), newer than the ` +
      `${SCHEMA_VERSION} this release understands. What to do: ${advice}.`,
  );
}

/**
 * Runs `read` in one read transaction (or in the caller's, on a lent connection already in one),
 * so that every query it makes sees the same committed state of the file.
 */
export function inOneSnapshot(db: Database, read: () => void): void {
  if (db.inTransaction) {
    read();
    return;
  }
  db.exec('BEGIN');
  try {
    read();
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
  }
}

/**
 * Throws when the database was written by a newer release. Runs before anything is changed on
 * open (even the journal mode), so such a file is left byte for byte as it was.
 */
export function refuseNewer(db: Database, filename: string, owned: boolean): void {
  const state = readSchema(db, owned);
  if (state.version > SCHEMA_VERSION) throw tooNew(state, filename);
}

/**
 * Brings the cache's tables to {@link SCHEMA_VERSION}, creating them in a new database, and
 * records the version where {@link readSchema} found it belongs. Refuses a database from a newer
 * release rather than guessing at its layout. A database already at the current version is not
 * written to.
 */
export function migrate(db: Database, filename: string, owned: boolean): void {
  if (readSchema(db, owned).version === SCHEMA_VERSION) return;
  // Take the write lock before reading the version again, so a concurrent opener that upgraded
  // the file first is seen and its work is not redone.
  db.exec('BEGIN IMMEDIATE');
  try {
    const state = readSchema(db, owned);
    if (state.version > SCHEMA_VERSION) throw tooNew(state, filename);
    for (let version = state.version; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    recordVersion(db, state.record, SCHEMA_VERSION);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
