import { dirname } from 'node:path';
import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import { unavailable } from './errors.js';
import { trustDefaultDirectory, trustFile } from './file-trust.js';
import { checkOpening, refuseBeforeWriting } from './opening-checks.js';
import type { SqliteCacheOptions } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { migrate, SCHEMA_VERSION } from './schema.js';
import { checkSchema } from './schema-check.js';
import { createSqliteStore } from './store.js';

export type { SqliteDatabase, SqliteStatement } from './database.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_CACHE_SIZE_BYTES,
  DEFAULT_MMAP_SIZE_BYTES,
  defaultFilename,
  type SqliteCacheOptions,
} from './options.js';
export { SCHEMA_VERSION } from './schema.js';

/**
 * Creates a persistent cache in an SQLite file, shared safely by several processes (and several
 * caches in one process) on the same host: WAL journal, write transactions that take the lock up
 * front, a busy timeout, and per-entry TTL when `ttlMs` is set.
 *
 * Options are checked before anything is opened (`InvalidArgumentError` naming the option). A
 * file the cache cannot vouch for — owned by another user, in a default directory others could
 * write to, another application's database, or cache tables that differ from this release's or
 * carry a trigger or a view — is refused with an `InvalidArgumentError` (`argument: "filename"`,
 * or `"database"` for a lent one) naming the file and what was found. A file that cannot be
 * opened, is not a database, or stays locked past `busyTimeoutMs` makes this throw an
 * `UnavailableError` naming the file and saying what to do. Either way the file is left byte for
 * byte as it was: nothing is written to it before it is accepted.
 *
 * @example
 * ```ts
 * import { createSqliteCache } from '@layercache/sqlite';
 *
 * await using cache = createSqliteCache({ filename: '/var/cache/registry/layers.sqlite' });
 * await cache.add('library/alpine', digest);
 * await cache.contains('library/alpine', digest); // true, in this and every other process
 * ```
 *
 * @example A connection the application already has is borrowed, never closed:
 * ```ts
 * const db = new Database('/var/lib/registry/state.sqlite');
 * const cache = createSqliteCache({ database: db });
 * await cache.close(); // db stays open
 * ```
 */
export function createSqliteCache(options?: SqliteCacheOptions): LayerInfoCache {
  const resolved = resolveOptions(options);
  const { filename, busyTimeoutMs } = resolved;
  const owned = resolved.database === undefined;
  const inMemory = filename === ':memory:';
  let opened: BetterSqlite3.Database | undefined;
  try {
    if (owned) {
      // We chose the default location, so we may create its directory; a directory the caller
      // named must exist (a typo should fail, not scatter cache files).
      if (resolved.defaultLocation) trustDefaultDirectory(dirname(filename));
      if (!inMemory) trustFile(filename);
      // The file exists now (trustFile created it, mode 0600): SQLite must not create another.
      if (!inMemory) refuseBeforeWriting(filename, busyTimeoutMs);
      opened = new BetterSqlite3(filename, { timeout: busyTimeoutMs, fileMustExist: !inMemory });
    }
    const db: SqliteDatabase = opened ?? resolved.database!;
    // Set explicitly: reports disagree on the default, and every later lock waits this long.
    if (busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Connection settings, not written to the file: safe before the file is accepted.
    if (resolved.mmapSizeBytes !== undefined) db.pragma(`mmap_size = ${resolved.mmapSizeBytes}`);
    if (resolved.cacheSizeBytes !== undefined) {
      db.pragma(`cache_size = -${Math.ceil(resolved.cacheSizeBytes / 1024)}`);
    }
    // Everything up to the journal mode only reads, so a refused file is left as it was (for a
    // file of our own, the read-only check above already refused it). Checked again here, on the
    // connection the cache uses: the file may have changed in between.
    checkOpening(db, filename, owned);
    if (owned) {
      // WAL lets readers in every process run while one writes. (`:memory:` stays "memory".)
      db.pragma('journal_mode = WAL');
      // With "revocations", NORMAL is the resting level; the store raises it around revocations.
      db.pragma(`synchronous = ${resolved.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    }
    migrate(db, filename, owned);
    // Another process may have created the tables between the check and the migration's lock.
    checkSchema(db, SCHEMA_VERSION, { filename, owned });
    const store = createSqliteStore(db, {
      filename,
      ttlMs: resolved.ttlMs,
      sweepIntervalMs: resolved.sweepIntervalMs,
      owned,
      syncRevocations: owned && resolved.synchronous === 'revocations',
      close: opened === undefined ? undefined : () => opened?.close(),
    });
    return createLayerInfoCache(store, { name: 'sqlite', meter: resolved.meter });
  } catch (error) {
    if (opened?.open) opened.close();
    throw unavailable(error, filename, 'opening');
  }
}
