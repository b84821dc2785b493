import type { Meter } from '@opentelemetry/api';
import type { CallOptions, LayerMeta } from '../types.js';

/**
 * The slow source of truth a registry asks about blobs: its storage driver (S3, GCS, Azure, a
 * filesystem). The read-through service wraps one with a cache and offers the same two calls.
 *
 * `options.signal` is the service's own signal for a call that may be shared by several callers;
 * it aborts only when every one of them has given up. Honouring it is optional but saves the
 * round trip.
 *
 * @example
 * ```ts
 * const backend: LayerBackend = {
 *   async exists(repo, digest, { signal } = {}) {
 *     return storage.exists(`repositories/${repo}/_layers/${digest.replace(':', '/')}/link`, { signal });
 *   },
 *   async stat(digest, { signal } = {}) {
 *     const path = blobDataPath(digest);
 *     const info = await storage.stat(path, { signal });
 *     return info === undefined ? undefined : { path, length: info.size };
 *   },
 * };
 * ```
 */
export interface LayerBackend {
  /** Whether repository `repo` links blob `digest` (an access check). */
  exists(repo: string, digest: string, options?: CallOptions): Promise<boolean>;
  /** Where blob `digest` is stored and its size, or `undefined` when there is no such blob. */
  stat(digest: string, options?: CallOptions): Promise<LayerMeta | undefined>;
}

/**
 * A {@link LayerBackend} answered from a cache when it can; see `createCachedLayerService`.
 *
 * @example
 * ```ts
 * const blobs = createCachedLayerService(cache, backend);
 * if (!(await blobs.exists(repo, digest, { signal }))) return notFound();
 * const { path, length } = (await blobs.stat(digest, { signal })) ?? notFound();
 * ```
 */
export interface CachedLayerService extends LayerBackend {
  /**
   * Call after the registry deleted `repo`'s link to `digest` on the backend: removes the cached
   * membership, and makes an `exists(repo, digest)` backend call already in flight lose (its
   * answer still reaches its callers but is not cached). Rejects with the cache's error when the
   * cache could not be updated: the stale membership may then still be served.
   */
  invalidate(repo: string, digest: string): Promise<void>;
  /**
   * Call after the registry deleted blob `digest` from the backend: removes its cached meta and,
   * when the cache has the optional `forgetDigest` capability (memory, lru, sqlite and redis all
   * do), its membership in every repository; and makes every backend call for `digest` already in
   * flight (`stat`, and `exists` in any repository) lose. With a cache that lacks `forgetDigest`,
   * memberships stay: `invalidate` each repository that linked the blob, or run
   * `layercache forget` after a garbage collection. Rejects with the cache's error when the cache
   * could not be updated (both removals are attempted).
   */
  forget(digest: string): Promise<void>;
}

/**
 * What failed when the service reports a cache error; see {@link CachedLayerServiceOptions.onError}.
 *
 * @example
 * ```ts
 * const onError = (error: unknown, { operation, repo, digest }: CacheErrorContext) =>
 *   logger.warn({ err: error, operation, repo, digest }, 'layer cache failed; storage answered');
 * ```
 */
export interface CacheErrorContext {
  /**
   * The cache call that failed: `contains` or `add` (inside `exists`), `meta` or `setMeta`
   * (inside `stat`).
   */
  readonly operation: 'contains' | 'add' | 'meta' | 'setMeta';
  /** The repository, for `contains` and `add`. */
  readonly repo?: string;
  readonly digest: string;
}

/**
 * Options of `createCachedLayerService`.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 *
 * const options: CachedLayerServiceOptions = {
 *   onError: (error, context) => logger.warn({ err: error, ...context }, 'layer cache failed'),
 *   meter: metrics.getMeter('my-registry'),
 * };
 * const blobs = createCachedLayerService(cache, backend, options);
 * ```
 */
export interface CachedLayerServiceOptions {
  /**
   * Told about every cache error the service absorbed: a failed lookup (the backend answered
   * instead and nothing was written) or a failed fill write (the caller still got the backend's
   * answer). Called synchronously; it must not throw (what it throws is ignored, so that a
   * faulty reporter cannot fail a request). Default: none — the errors are still counted by the
   * `layercache.service.cache_errors` metric.
   */
  readonly onError?: (error: unknown, context: CacheErrorContext) => void;
  /**
   * Where the service's metrics are recorded (names in `SERVICE_METRICS`). Default:
   * `metrics.getMeter('@layercache/core')` from `@opentelemetry/api`, taken when the service is
   * created — a no-op unless the application registered an OpenTelemetry SDK before that.
   */
  readonly meter?: Meter;
}
