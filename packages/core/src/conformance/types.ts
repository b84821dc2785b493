import type { Meter } from '@opentelemetry/api';
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
  /**
   * Set by the metrics checks: pass it as the factory's `meter` option, so the cache records its
   * operations through it (see `CACHE_METRICS`). When undefined, pass no meter.
   */
  readonly meter?: Meter;
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
   * The factory passes `context.meter` to the adapter's `meter` option, and the cache records
   * every call under `CACHE_METRICS` (core's wrapper does this for any adapter built on
   * `createLayerInfoCache`).
   */
  readonly metrics?: boolean;
  /**
   * Runs of the model-based check. Default: the `LAYERCACHE_CONFORMANCE_RUNS` environment
   * variable, else 100.
   */
  readonly modelRuns?: number;
  /** Timeout of each test in milliseconds (default 20 000). */
  readonly timeoutMs?: number;
  /**
   * Memberships written before the clear-at-scale check (spread over a twentieth as many
   * repositories, with half as many metas). Default: the `LAYERCACHE_CONFORMANCE_SCALE`
   * environment variable, else 4000. Lower it for a slow backend; below about 1000 the check can
   * no longer tell a clear that deletes only one page of a scan.
   */
  readonly scale?: number;
  /** The adapter's tests know how to break and heal its backend. See {@link FaultsCapability}. */
  readonly faults?: FaultsCapability;
  /**
   * Two caches over the same storage see each other's writes. `true`: the factory called again
   * with the same context opens the second instance. See {@link SharedCapability}.
   */
  readonly shared?: boolean | SharedCapability;
}

/** The seven data operations of a `LayerInfoCache`. */
export type ConformanceOperation =
  | 'contains'
  | 'add'
  | 'remove'
  | 'meta'
  | 'setMeta'
  | 'deleteMeta'
  | 'clear';

/**
 * How to make the backend of a cache unavailable, and back. The suite then checks that every
 * affected operation rejects with `UnavailableError` within `timeoutMs` (plus `slackMs`), never
 * resolves an answer it cannot know, that nothing acknowledged before the break is lost (with
 * `durable`), and that calls succeed again after `heal`.
 *
 * @example
 * ```ts
 * // Redis: freeze the server the caches talk to.
 * faults: {
 *   break: () => process.kill(server.pid!, 'SIGSTOP'),
 *   heal: () => process.kill(server.pid!, 'SIGCONT'),
 *   timeoutMs: 1125, // commandTimeoutMs plus an eighth
 * }
 * ```
 */
export interface FaultsCapability {
  /**
   * Makes the backend behind `context`'s storage unavailable (stop or freeze a server, hold a
   * lock, revoke access). Resolves once the fault is in place.
   */
  break(context: ConformanceContext): void | Promise<void>;
  /** Undoes `break`. Resolves once the backend is back (the cache may still need to reconnect). */
  heal(context: ConformanceContext): void | Promise<void>;
  /** Every affected call made while broken rejects within this many milliseconds. */
  readonly timeoutMs: number;
  /** Added to `timeoutMs` for scheduling on a busy machine. Default: 250. */
  readonly slackMs?: number;
  /**
   * The operations the fault makes fail. The others must keep answering what was acknowledged
   * (or reject with `UnavailableError`), never a wrong answer. Default: all seven. SQLite in WAL
   * mode, for one, keeps serving reads while another process holds the write lock.
   */
  readonly affects?: readonly ConformanceOperation[];
  /** How long after `heal` the cache may take to answer again. Default: 10 000. */
  readonly recoveryMs?: number;
}

/**
 * A second cache over the same storage as the first (same `storageId`): another connection,
 * client or process. The suite checks that writes and revocations by one are seen by the other
 * at once, or within `maxStalenessMs`.
 *
 * @example
 * ```ts
 * shared: {
 *   open: ({ storageId }) => createMyCache({ file: fileFor(storageId) }),
 *   processModule: new URL('./fixtures/shared-cache.mjs', import.meta.url),
 * }
 * ```
 */
export interface SharedCapability {
  /** Opens a second cache in this process over `context`'s storage. Default: the factory. */
  readonly open?: ConformanceFactory;
  /**
   * A JavaScript module (run by plain `node`) whose default export is a
   * {@link ConformanceFactory}: the suite runs it in a child process to open a second instance
   * there. Without it, the cross-process checks are skipped.
   */
  readonly processModule?: string | URL;
  /**
   * How long a write acknowledged by one instance may go unseen by the other, in milliseconds
   * (a near cache's declared bound). Default: 0, seen at once.
   */
  readonly maxStalenessMs?: number;
}
