import { homedir } from 'node:os';
import { join } from 'node:path';
import { types } from 'node:util';
import {
  type AdapterOptions,
  describeValue,
  InvalidArgumentError,
  optionalChoice,
  optionalInteger,
  optionalMeter,
  optionalString,
  optionError,
  readOptions,
} from '@layercache/core';
import type { SqliteDatabase } from './database.js';

/**
 * Options of {@link createSqliteCache}. Every option is optional.
 *
 * @example
 * ```ts
 * createSqliteCache({ filename: '/var/cache/registry/layers.sqlite', ttlMs: 86_400_000 });
 * ```
 */
export interface SqliteCacheOptions extends AdapterOptions {
  /**
   * The database file, created if missing (its directory must exist) with mode `0600` whatever
   * the umask; SQLite gives its `-wal` and `-shm` files the mode of the database file. `":memory:"`
   * keeps everything in this process and loses it on close.
   *
   * The file answers access checks, so it must be one the cache can vouch for, or
   * `createSqliteCache` throws `InvalidArgumentError` (`argument: "filename"`) before writing
   * anything to it: a file (or its `-wal`, `-shm`, `-journal`) owned by another user, a database
   * of another application (tables but none of the cache's), or cache tables that differ from
   * what this release creates, or carry a trigger or a view, are refused.
   *
   * Default: {@link defaultFilename} — `$XDG_CACHE_HOME/layercache/layercache.sqlite`, else
   * `~/.cache/layercache/layercache.sqlite`. Its `layercache` directory is created with mode
   * `0700`, and refused when it is a symbolic link, owned by another user, or writable by group
   * or others. A cache file under the user's home survives restarts and is shared by every
   * process of that user, and, unlike a file in `/tmp`, cannot be planted by another user to make
   * the cache answer `true` for blobs a repository does not hold.
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
   * across an `await`. A trigger or a view on the cache's tables, or tables that differ from what
   * this release creates, are refused (`InvalidArgumentError`, `argument: "database"`).
   */
  readonly database?: SqliteDatabase;
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
  /**
   * Bytes of the file SQLite reads through a memory map instead of `read()` calls (its
   * `mmap_size`): lookups in a file of hundreds of MB then cost a memory access, not a system
   * call. Address space, not memory: pages are shared with the OS page cache. `0` turns it off.
   * SQLite caps it at its compile-time limit (2 GiB in better-sqlite3's build). Default:
   * {@link DEFAULT_MMAP_SIZE_BYTES} (256 MiB, about 2.5 million memberships and metas). On a
   * borrowed `database`, applied only when given.
   *
   * @example
   * ```ts
   * createSqliteCache({ filename, mmapSizeBytes: 1024 * 1024 * 1024 }); // a 1 GiB file, all mapped
   * ```
   */
  readonly mmapSizeBytes?: number;
  /**
   * Bytes of SQLite's own page cache per connection (its `cache_size`, rounded up to KiB): the
   * B-tree's inner pages and the hot leaves stay decoded in memory. Default:
   * {@link DEFAULT_CACHE_SIZE_BYTES} (32 MiB; SQLite's own default is 2 MiB). On a borrowed
   * `database`, applied only when given.
   */
  readonly cacheSizeBytes?: number;
}

/** The options with their defaults applied and checked. */
export interface ResolvedOptions {
  readonly meter: AdapterOptions['meter'];
  readonly filename: string;
  readonly database: SqliteDatabase | undefined;
  readonly ttlMs: number | undefined;
  readonly busyTimeoutMs: number | undefined;
  readonly synchronous: 'revocations' | 'full' | 'normal';
  readonly sweepIntervalMs: number;
  /** Undefined only on a borrowed database, when not given. */
  readonly mmapSizeBytes: number | undefined;
  readonly cacheSizeBytes: number | undefined;
  /** `true` when `filename` is the default location, whose directory we may create. */
  readonly defaultLocation: boolean;
}

/** Default of {@link SqliteCacheOptions.busyTimeoutMs} (better-sqlite3's own default timeout). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** Default of {@link SqliteCacheOptions.mmapSizeBytes}: 256 MiB. */
export const DEFAULT_MMAP_SIZE_BYTES = 256 * 1024 * 1024;
/** Default of {@link SqliteCacheOptions.cacheSizeBytes}: 32 MiB. */
export const DEFAULT_CACHE_SIZE_BYTES = 32 * 1024 * 1024;
// SQLite's cache_size is a C int of KiB when negative.
const MAX_CACHE_SIZE_BYTES = (2 ** 31 - 1) * 1024;
// SQLite's busy_timeout is a C int.
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;
// Far beyond any useful TTL, and small enough that `Date.now() + ttlMs` stays a safe integer.
const MAX_TTL_MS = 100 * 365 * 86_400_000;

const FACTORY = 'createSqliteCache';
const KNOWN_OPTIONS = [
  'filename',
  'database',
  'ttlMs',
  'busyTimeoutMs',
  'synchronous',
  'sweepIntervalMs',
  'mmapSizeBytes',
  'cacheSizeBytes',
  'meter',
] as const;

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

/** What a lent connection tells about itself, read once (its getters could throw). */
interface DatabaseFacts {
  readonly looksRight: boolean;
  readonly open: unknown;
  readonly readonly: unknown;
  readonly name: unknown;
}

/** A lent connection and its file's name, or `undefined` when none was lent. */
function readDatabase(value: unknown): { db: SqliteDatabase; name: string } | undefined {
  if (value === undefined) return undefined;
  const notOne = () =>
    optionError(
      FACTORY,
      'database',
      `must be a better-sqlite3 Database, got ${describeValue(value)}`,
    );
  // A Proxy could answer these checks one way and the cache's later calls another.
  if (typeof value !== 'object' || value === null || types.isProxy(value)) throw notOne();
  let facts: DatabaseFacts;
  try {
    const db = value as Record<string, unknown>;
    facts = {
      looksRight:
        typeof db.prepare === 'function' &&
        typeof db.pragma === 'function' &&
        typeof db.exec === 'function' &&
        typeof db.open === 'boolean',
      open: db.open,
      readonly: db.readonly,
      name: db.name,
    };
  } catch (error) {
    throw new InvalidArgumentError('database', `${FACTORY}: database could not be read`, {
      cause: error,
    });
  }
  if (!facts.looksRight || typeof facts.name !== 'string') throw notOne();
  if (facts.open !== true) {
    throw optionError(FACTORY, 'database', 'is closed; pass an open connection');
  }
  if (facts.readonly === true) {
    throw optionError(FACTORY, 'database', 'is read-only; the cache must write');
  }
  return { db: value as SqliteDatabase, name: facts.name };
}

/**
 * Applies defaults and rejects bad options with an `InvalidArgumentError` naming the option: an
 * unknown name (with a suggestion), a wrong type (naming the type received), an options object
 * whose getters throw or that is a Proxy.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  // A misspelt option (`fileName`) would otherwise silently open the default file.
  const read = readOptions(FACTORY, options, KNOWN_OPTIONS);
  const lent = readDatabase(read.database);
  const database = lent?.db;
  const filename = optionalString(FACTORY, 'filename', read.filename);
  if (database !== undefined && filename !== undefined) {
    throw optionError(
      FACTORY,
      'filename',
      'and database are exclusive: pass one of them (the database already has a file)',
    );
  }
  if (filename?.includes('\0')) {
    throw optionError(FACTORY, 'filename', 'must not contain a NUL character');
  }
  const ms = { unit: 'milliseconds' } as const;
  const ttlMs = optionalInteger(FACTORY, 'ttlMs', read.ttlMs, { ...ms, min: 1, max: MAX_TTL_MS });
  const busyTimeoutMs = optionalInteger(FACTORY, 'busyTimeoutMs', read.busyTimeoutMs, {
    ...ms,
    max: MAX_BUSY_TIMEOUT_MS,
  });
  const synchronous =
    optionalChoice(FACTORY, 'synchronous', read.synchronous, ['revocations', 'full', 'normal']) ??
    'revocations';
  const sweepIntervalMs =
    optionalInteger(FACTORY, 'sweepIntervalMs', read.sweepIntervalMs, {
      ...ms,
      min: 1,
      max: MAX_BUSY_TIMEOUT_MS,
    }) ?? Math.min(Math.max(ttlMs ?? 0, 1000), 60_000);

  const bytes = { unit: 'bytes' } as const;
  const mmapSizeBytes = optionalInteger(FACTORY, 'mmapSizeBytes', read.mmapSizeBytes, bytes);
  const cacheSizeBytes = optionalInteger(FACTORY, 'cacheSizeBytes', read.cacheSizeBytes, {
    ...bytes,
    max: MAX_CACHE_SIZE_BYTES,
  });

  return {
    filename: lent !== undefined ? lent.name : (filename ?? defaultFilename()),
    database,
    ttlMs,
    busyTimeoutMs:
      database === undefined ? (busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS) : busyTimeoutMs,
    synchronous,
    sweepIntervalMs,
    mmapSizeBytes:
      database === undefined ? (mmapSizeBytes ?? DEFAULT_MMAP_SIZE_BYTES) : mmapSizeBytes,
    cacheSizeBytes:
      database === undefined ? (cacheSizeBytes ?? DEFAULT_CACHE_SIZE_BYTES) : cacheSizeBytes,
    defaultLocation: database === undefined && filename === undefined,
    meter: optionalMeter(FACTORY, 'meter', read.meter),
  };
}
