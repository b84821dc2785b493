import { UnavailableError } from '@layercache/core';
import type { SqliteDatabase as Database } from './database.js';

/**
 * The layout this release reads and writes. A file the cache opens itself records it in
 * `PRAGMA user_version`; a borrowed database records it in the `layercache_schema` table, because
 * its `user_version` belongs to the application that lent it (see {@link readSchema}).
 */
export const SCHEMA_VERSION = 3;

/**
 * SQL for the version 3 key (see digest-key.ts) of a version 2 digest column: the algorithm byte
 * and the hex decoded, or NULL for text that is not `<algorithm>:<lower-case hex>` of the
 * algorithm's exact length. Frozen with migration 2 → 3: the codes are those of that release.
 */
function digestKey(column: string): string {
  const algorithms: readonly [string, string, number][] = [
    ['sha256', '01', 64],
    ['sha384', '02', 96],
    ['sha512', '03', 128],
    ['blake3', '04', 64],
  ];
  const hex = `substr(${column}, 8)`;
  const cases = algorithms
    .map(
      ([name, code, length]) =>
        `WHEN substr(${column}, 1, 7) = '${name}:' AND length(${column}) = ${7 + length} ` +
        `THEN unhex('${code}' || ${hex})`,
    )
    .join(' ');
  return (
    `(CASE WHEN typeof(${column}) IS NOT 'text' OR ${hex} GLOB '*[^0-9a-f]*' THEN NULL ` +
    `${cases} END)`
  );
}

/**
 * `MIGRATIONS[v]` upgrades a database from schema version v to v + 1. A layout change appends a
 * step here and never edits an old one: a file written by any earlier release then upgrades in
 * place on open, inside one `BEGIN IMMEDIATE` transaction (DDL is transactional in SQLite, so a
 * failed upgrade leaves the file as it was, and two processes opening it at once upgrade it once).
 *
 * Tables are `WITHOUT ROWID` and keyed by what the two lookups ask for, so `contains` and `meta`
 * are each one B-tree search and no separate index doubles the file size. Names start with
 * `layercache_` so the tables can live in a borrowed database beside the application's own.
 *
 * A step that changes the columns of `layercache_links` must also keep {@link layoutVersion}
 * right: it tells the version of our tables in a borrowed database that has no `layercache_schema`.
 */
export const MIGRATIONS: readonly string[] = [
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
  // 2 → 3: the compact layout. A digest is stored once per row in binary (digest-key.ts: one
  // algorithm byte, then the raw hash), and a repository name once in layercache_repos, links
  // naming it by id. ~40 bytes per membership instead of ~118. AUTOINCREMENT: an id is never
  // handed to another name, even after its repository's last link is gone and its row deleted.
  // The version 2 rows are copied over, then dropped; a row whose digest core would never let
  // through (so it could never have been asked for) is left behind rather than made reachable.
  `DROP INDEX layercache_links_expiry;
   DROP INDEX layercache_metas_expiry;
   ALTER TABLE layercache_links RENAME TO layercache_v2_links;
   ALTER TABLE layercache_metas RENAME TO layercache_v2_metas;
   CREATE TABLE layercache_repos (
     id   INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE layercache_links (
     repo       INTEGER NOT NULL,
     digest     BLOB NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (repo, digest)
   ) WITHOUT ROWID;
   CREATE TABLE layercache_metas (
     digest     BLOB NOT NULL PRIMARY KEY,
     path       TEXT NOT NULL,
     length     INTEGER NOT NULL,
     expires_at INTEGER
   ) WITHOUT ROWID;
   INSERT INTO layercache_repos (name)
     SELECT repo FROM layercache_v2_links WHERE ${digestKey('digest')} IS NOT NULL
     GROUP BY repo ORDER BY repo;
   INSERT INTO layercache_links (repo, digest, expires_at)
     SELECT r.id, k.digest, k.expires_at
     FROM (SELECT repo, ${digestKey('digest')} AS digest, expires_at FROM layercache_v2_links) AS k
     JOIN layercache_repos AS r ON r.name = k.repo
     WHERE k.digest IS NOT NULL
     ORDER BY 1, 2;
   INSERT INTO layercache_metas (digest, path, length, expires_at)
     SELECT digest, path, length, expires_at
     FROM (SELECT ${digestKey('digest')} AS digest, path, length, expires_at FROM layercache_v2_metas)
     WHERE digest IS NOT NULL
     ORDER BY 1;
   DROP TABLE layercache_v2_links;
   DROP TABLE layercache_v2_metas;
   CREATE INDEX layercache_links_expiry ON layercache_links (expires_at)
     WHERE expires_at IS NOT NULL;
   CREATE INDEX layercache_metas_expiry ON layercache_metas (expires_at)
     WHERE expires_at IS NOT NULL;`,
];

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
 * `layercache_repos` table.
 */
function layoutVersion(db: Database): number {
  if (!hasTable(db, 'layercache_links')) return 0;
  if (hasTable(db, 'layercache_repos')) return 3;
  const expiry = db
    .prepare("SELECT 1 FROM pragma_table_info('layercache_links') WHERE name = 'expires_at'")
    .pluck()
    .get();
  return expiry === undefined ? 1 : 2;
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
