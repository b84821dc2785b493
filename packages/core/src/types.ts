/**
 * Where a blob lives on the storage backend and how big it is.
 *
 * @example
 * ```ts
 * const meta: LayerMeta = { path: '/docker/registry/v2/blobs/sha256/ab/ab…/data', length: 2_811_478 };
 * ```
 */
export interface LayerMeta {
  /** Location of the blob's data on the storage backend; non-empty, no NUL, at most 4096 UTF-8 bytes. */
  readonly path: string;
  /** Size in bytes; a non-negative safe integer. */
  readonly length: number;
}

/** Per-call options accepted by every {@link LayerInfoCache} operation. */
export interface CallOptions {
  /**
   * Aborts the call. An aborted call rejects with `signal.reason`; one that had not yet reached
   * the backend has changed nothing.
   */
  readonly signal?: AbortSignal;
}

/**
 * The layer-info cache every adapter implements: repository membership (an access check) and
 * global blob metadata.
 *
 * Every rejection is a {@link LayerCacheError} (check its `code`), or the signal's reason when a
 * call was aborted. A backend failure is an `UnavailableError`, never a miss.
 *
 * @example
 * ```ts
 * import { createMemoryCache } from '@layercache/memory';
 *
 * await using cache = createMemoryCache();
 * await cache.add('library/ubuntu', digest);
 * await cache.contains('library/ubuntu', digest); // true
 * await cache.contains('library/debian', digest); // false: membership is per repository
 * await cache.setMeta(digest, { path: '/blobs/…/data', length: 1024 });
 * await cache.meta(digest); // { path: '/blobs/…/data', length: 1024 }
 * ```
 */
export interface LayerInfoCache extends AsyncDisposable {
  /** `true` only if `add(repo, digest)` happened and was neither removed nor (with a TTL) expired. */
  contains(repo: string, digest: string, options?: CallOptions): Promise<boolean>;
  /** Records that `repo` links `digest`. Idempotent. */
  add(repo: string, digest: string, options?: CallOptions): Promise<void>;
  /** Revokes `repo`'s membership of `digest`; resolves `true` if it was there. Other repositories keep theirs. */
  remove(repo: string, digest: string, options?: CallOptions): Promise<boolean>;
  /** The last meta set for `digest`; rejects with `NotFoundError` when there is none. */
  meta(digest: string, options?: CallOptions): Promise<LayerMeta>;
  /** Stores `meta` for `digest` (last write wins). Only `path` and `length` are stored. */
  setMeta(digest: string, meta: LayerMeta, options?: CallOptions): Promise<void>;
  /** Forgets the meta of `digest`; resolves `true` if there was one. */
  deleteMeta(digest: string, options?: CallOptions): Promise<boolean>;
  /** Forgets every membership and meta this cache holds, and only those. */
  clear(options?: CallOptions): Promise<void>;
  /**
   * Releases what the cache owns (never a client or database the caller lent it). Idempotent;
   * afterwards every operation rejects with `ClosedError`.
   */
  close(): Promise<void>;

  /**
   * Optional capability (present when the adapter's store has it; check before calling): removes
   * `digest`'s membership in **every** repository and resolves how many were removed. The meta
   * is left alone (`deleteMeta` removes it). Meant for operators' tools after a garbage
   * collection deleted the blob; it may scan the whole cache.
   *
   * @example
   * ```ts
   * if (cache.forgetDigest) {
   *   const removed = await cache.forgetDigest(digest); // e.g. 3 repositories
   *   await cache.deleteMeta(digest);
   * }
   * ```
   */
  forgetDigest?(digest: string, options?: CallOptions): Promise<number>;
  /**
   * Optional capability: lists every live membership and meta, each once, in no particular
   * order, for operators' tools (`layercache verify`, `stats`). It reads the whole cache: never
   * call it on a request path. The caller may remove entries while it iterates. A failure rejects
   * the pending `next()` with `UnavailableError`; after `close()` or an abort the next `next()`
   * rejects with `ClosedError` or the signal's reason.
   *
   * @example
   * ```ts
   * for await (const entry of cache.entries?.() ?? []) {
   *   if (entry.kind === 'membership') console.log(entry.repo, entry.digest);
   *   else console.log(entry.digest, entry.meta.length);
   * }
   * ```
   */
  entries?(options?: CallOptions): AsyncIterableIterator<LayerCacheEntry>;
}

/**
 * One entry of a cache, as {@link LayerInfoCache.entries} lists it: a membership (`repo` links
 * `digest`) or a blob's meta.
 *
 * @example
 * ```ts
 * const entries: LayerCacheEntry[] = [
 *   { kind: 'membership', repo: 'library/alpine', digest },
 *   { kind: 'meta', digest, meta: { path: '/blobs/…/data', length: 3_623_807 } },
 * ];
 * ```
 */
export type LayerCacheEntry =
  | { readonly kind: 'membership'; readonly repo: string; readonly digest: string }
  | { readonly kind: 'meta'; readonly digest: string; readonly meta: LayerMeta };
