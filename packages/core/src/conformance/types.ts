import type { LayerInfoCache } from '../types.js';

/** What the suite tells the factory about the cache it wants. */
export interface ConformanceContext {
  /**
   * Names the storage behind the cache, unique per test. A factory called again with the same
   * `storageId` (after the first cache was closed) must open the same storage — that is how the
   * durability checks reopen a cache. Use it as a file name, a key prefix, and so on.
   */
  readonly storageId: string;
  /**
   * Set by the TTL checks: the cache must expire entries this many milliseconds after their last
   * write. Time must be read from `Date.now()` (the suite fakes `Date` to move time forward).
   * When undefined, the cache must not expire anything.
   */
  readonly ttlMs?: number;
}

/** Creates an empty cache for one test. May be async (to connect, open a file, …). */
export type ConformanceFactory = (
  context: ConformanceContext,
) => LayerInfoCache | Promise<LayerInfoCache>;

/** What an adapter promises beyond the base contract. Undeclared capabilities are reported as skipped. */
export interface ConformanceCapabilities {
  /**
   * Data survives `close()` and reopening. `true` reopens by calling the factory again with the
   * same context; `{ reopen }` supplies another way to open the same storage.
   */
  readonly durable?: boolean | { readonly reopen: ConformanceFactory };
  /** The factory honours `context.ttlMs`, timing entries with `Date.now()`. */
  readonly ttl?: boolean;
  /** The cache has the optional `forgetDigest` (a digest forgotten in every repository). */
  readonly forgetDigest?: boolean;
  /** The cache has the optional `entries` (every live membership and meta, listed once). */
  readonly entries?: boolean;
  /**
   * Runs of the model-based check. Default: the `LAYERCACHE_CONFORMANCE_RUNS` environment
   * variable, else 100.
   */
  readonly modelRuns?: number;
  /** Timeout of each test in milliseconds (default 20 000). */
  readonly timeoutMs?: number;
}
