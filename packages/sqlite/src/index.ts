import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { unavailable } from './errors.js';
import { resolveOptions, type SqliteCacheOptions } from './options.js';
import { migrate, refuseNewer } from './schema.js';
import { createSqliteStore } from './store.js';

export {
  DEFAULT_BUSY_TIMEOUT_MS,
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
 * file that cannot be opened, is not a database, or stays locked past `busyTimeoutMs` makes this
 * throw an `UnavailableError` naming the file and saying what to do; the file is left as it was.
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

  let db = resolved.database;
  try {
    if (db === undefined) {
      // We chose the default location, so we may create its directory; a directory the caller
      // named must exist (a typo should fail, not scatter cache files).
      if (resolved.defaultLocation) mkdirSync(dirname(filename), { recursive: true, mode: 0o700 });
      db = new BetterSqlite3(filename, { timeout: busyTimeoutMs });
    }
    // Set explicitly: reports disagree on the default, and every later lock waits this long.
    if (busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    refuseNewer(db, filename, owned);
    if (owned) {
      // WAL lets readers in every process run while one writes. (`:memory:` stays "memory".)
      db.pragma('journal_mode = WAL');
      // With "revocations", NORMAL is the resting level; the store raises it around revocations.
      db.pragma(`synchronous = ${resolved.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    }
    migrate(db, filename, owned);
    const store = createSqliteStore(db, {
      filename,
      ttlMs: resolved.ttlMs,
      sweepIntervalMs: resolved.sweepIntervalMs,
      owned,
      syncRevocations: owned && resolved.synchronous === 'revocations',
    });
    return createLayerInfoCache(store, { name: 'sqlite' });
  } catch (error) {
    if (owned && db?.open) db.close();
    throw unavailable(error, filename, 'opening');
  }
}
