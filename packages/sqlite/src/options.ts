import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@layercache/core';
import type { Database } from 'better-sqlite3';

/**
 * Options of {@link createSqliteCache}. Every option is optional.
 *
 * @example
 * ```ts
 * createSqliteCache({ filename: '/var/cache/registry/layers.sqlite', ttlMs: 86_400_000 });
 * ```
 */
export interface SqliteCacheOptions {
  /**
   * The database file, created if missing (its directory must exist). `":memory:"` keeps
   * everything in this process and loses it on close.
   *
   * Default: {@link defaultFilename} — `$XDG_CACHE_HOME/layercache/layercache.sqlite`, else
   * `~/.cache/layercache/layercache.sqlite` (the directory is created, mode `0700`). A cache file
   * under the user's home survives restarts and is shared by every process of that user, and,
   * unlike a file in `/tmp`, cannot be planted by another user to make the cache answer `true`
   * for blobs a repository does not hold.
   *
   * Not allowed together with `database`.
   */
  readonly filename?: string;
  /**
   * A better-sqlite3 connection to use instead of opening one. It is borrowed: `close()` never
   * closes it, and its journal mode and `synchronous` setting are left as they are (use WAL for
   * several processes). The cache's tables are created in it (names start with `layercache_`),
   * and their schema version is kept in its `layercache_schema` table: `PRAGMA user_version` stays
   * the application's, never read or written. Do not keep a transaction of your own open on it
   * across an `await`.
   */
  readonly database?: Database;
  /**
   * Milliseconds after its last write that a membership or meta expires. Expired entries are
   * never answered and are deleted in the background. Default: undefined (nothing expires).
   */
  readonly ttlMs?: number;
  /**
   * How long a write waits for another connection's write lock before it fails with
   * `UnavailableError` (SQLite's `busy_timeout`). better-sqlite3 is synchronous, so the event
   * loop waits too; our transactions last micro- to milliseconds, so waits are short unless
   * something else holds a lock. Default: 5000. On a borrowed `database`, applied only when given.
   */
  readonly busyTimeoutMs?: number;
  /**
   * How acknowledged writes survive a power loss, on a connection this cache opens (all three
   * survive a process crash: the file is in WAL mode).
   *
   * - `"revocations"` (default): `remove`, `deleteMeta` and `clear` commit with SQLite's
   *   `synchronous = FULL` (an `fsync` before they are acknowledged), so a power loss can never
   *   bring a revoked membership back; `add` and `setMeta` commit with `NORMAL`, so a power loss
   *   may lose the last fills — a miss, which costs one backend round trip. Fills, the bulk of the
   *   writes, then never wait for the disk on the event loop.
   * - `"full"`: every write commits with `FULL`.
   * - `"normal"`: every write commits with `NORMAL`; a power loss may also undo the last revocations.
   */
  readonly synchronous?: 'revocations' | 'full' | 'normal';
  /**
   * With `ttlMs`, how often expired rows are deleted, in milliseconds. Each sweep deletes them in
   * batches of 500 rows per transaction, so callers never wait long behind it; its timer is
   * `unref()`ed. Default: `ttlMs`, kept between 1000 and 60 000.
   */
  readonly sweepIntervalMs?: number;
}

/** The options with their defaults applied and checked. */
export interface ResolvedOptions {
  readonly filename: string;
  readonly database: Database | undefined;
  readonly ttlMs: number | undefined;
  readonly busyTimeoutMs: number | undefined;
  readonly synchronous: 'revocations' | 'full' | 'normal';
  readonly sweepIntervalMs: number;
  /** `true` when `filename` is the default location, whose directory we may create. */
  readonly defaultLocation: boolean;
}

/** Default of {@link SqliteCacheOptions.busyTimeoutMs} (better-sqlite3's own default timeout). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
// SQLite's busy_timeout is a C int.
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;
// Far beyond any useful TTL, and small enough that `Date.now() + ttlMs` stays a safe integer.
const MAX_TTL_MS = 100 * 365 * 86_400_000;

/**
 * Where the cache lives when no `filename` is given:
 * `$XDG_CACHE_HOME/layercache/layercache.sqlite`, else `~/.cache/layercache/layercache.sqlite`.
 */
export function defaultFilename(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG base directory spec ignores relative values.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg?.startsWith('/') ? xdg : join(homedir(), '.cache');
  return join(base, 'layercache', 'layercache.sqlite');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function integerOption(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      name,
      `${name} must be an integer from ${min} to ${max} (milliseconds), got ${describe(value)}`,
    );
  }
  return value;
}

function isDatabase(value: unknown): value is Database {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Database).prepare === 'function' &&
    typeof (value as Database).pragma === 'function' &&
    typeof (value as Database).open === 'boolean'
  );
}

/** Applies defaults and rejects bad options with an `InvalidArgumentError` naming the option. */
export function resolveOptions(options: SqliteCacheOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      'options',
      `options must be an object, got ${describe(options)}`,
    );
  }
  const { filename, database } = options;
  if (database !== undefined) {
    if (!isDatabase(database)) {
      throw new InvalidArgumentError(
        'database',
        `database must be a better-sqlite3 Database, got ${describe(database)}`,
      );
    }
    if (!database.open) {
      throw new InvalidArgumentError('database', 'database is closed; pass an open connection');
    }
    if (database.readonly) {
      throw new InvalidArgumentError('database', 'database is read-only; the cache must write');
    }
    if (filename !== undefined) {
      throw new InvalidArgumentError(
        'filename',
        'pass either filename or database, not both (the database already has a file)',
      );
    }
  }
  if (filename !== undefined && (typeof filename !== 'string' || filename.length === 0)) {
    throw new InvalidArgumentError(
      'filename',
      `filename must be a non-empty string, got ${describe(filename)}`,
    );
  }
  if (typeof filename === 'string' && filename.includes('\0')) {
    throw new InvalidArgumentError('filename', 'filename must not contain a NUL character');
  }
  const ttlMs = integerOption('ttlMs', options.ttlMs, 1, MAX_TTL_MS);
  const busyTimeoutMs = integerOption(
    'busyTimeoutMs',
    options.busyTimeoutMs,
    0,
    MAX_BUSY_TIMEOUT_MS,
  );
  const synchronous = options.synchronous ?? 'revocations';
  if (synchronous !== 'revocations' && synchronous !== 'full' && synchronous !== 'normal') {
    throw new InvalidArgumentError(
      'synchronous',
      `synchronous must be "revocations", "full" or "normal", got ${describe(synchronous)}`,
    );
  }
  const sweepIntervalMs =
    integerOption('sweepIntervalMs', options.sweepIntervalMs, 1, MAX_BUSY_TIMEOUT_MS) ??
    Math.min(Math.max(ttlMs ?? 0, 1000), 60_000);

  const resolvedFilename = database !== undefined ? database.name : (filename ?? defaultFilename());
  return {
    filename: resolvedFilename,
    database,
    ttlMs,
    busyTimeoutMs:
      database === undefined ? (busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS) : busyTimeoutMs,
    synchronous,
    sweepIntervalMs,
    defaultLocation: database === undefined && filename === undefined,
  };
}
