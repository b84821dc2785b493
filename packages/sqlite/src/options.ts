import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AdapterOptions } from '@layercache/core';
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
   * call. Address space, not memory: pages are shared with the OS page cache (they count in the
   * process's RSS once touched, once per connection mapping them, and the OS reclaims them like
   * any cached file page). SQLite maps no more than the file holds, and caps it at its
   * compile-time limit (2 GiB − 64 KiB in better-sqlite3's build). A read error on a mapped page —
   * a file on a network filesystem, a failing disk, the file truncated behind SQLite's back —
   * stops the process with SIGBUS instead of failing the call: give `0` (no map) for a file on
   * NFS or SMB. Default: {@link DEFAULT_MMAP_SIZE_BYTES} (2 GiB on 64-bit platforms, that limit:
   * about 14 million memberships and metas; at 10 million, 1.9× the throughput of 256 MiB). On a
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

/** Default of {@link SqliteCacheOptions.busyTimeoutMs} (better-sqlite3's own default timeout). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/**
 * Default of {@link SqliteCacheOptions.mmapSizeBytes}: 2 GiB (SQLite caps it at its own limit);
 * 256 MiB on 32-bit platforms, where a map that large would leave the V8 heap too little address
 * space.
 */
export const DEFAULT_MMAP_SIZE_BYTES =
  process.arch === 'arm' || process.arch === 'ia32' ? 256 * 1024 * 1024 : 2 * 1024 * 1024 * 1024;
/** Default of {@link SqliteCacheOptions.cacheSizeBytes}: 32 MiB. */
export const DEFAULT_CACHE_SIZE_BYTES = 32 * 1024 * 1024;

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
