import type { LayerCacheEntry, LayerMeta } from './types.js';

/** A value now, or later. Stores answer synchronously when they can; core awaits only promises. */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * The narrow interface an adapter implements. Core's {@link createLayerInfoCache} wraps it with
 * everything that must be the same for every adapter: validation, abort, closed state and error
 * wrapping. A store therefore only ever sees valid repository names and digests and frozen,
 * validated metas, and never needs to re-check them.
 *
 * Any error a store throws or rejects with that is not already a `LayerCacheError` reaches the
 * caller as an `UnavailableError` with the original as `cause`. A store must never report a
 * failure as a miss.
 *
 * `signal` is passed through for stores that can cancel work in flight; core already rejects the
 * caller's promise when it fires, so a store may ignore it.
 *
 * @example
 * ```ts
 * const store: LayerInfoStore = {
 *   contains: (repo, digest) => links.get(repo)?.has(digest) ?? false,
 *   // …
 * };
 * export const createMyCache = () => createLayerInfoCache(store, { name: 'my-adapter' });
 * ```
 *
 * @example The optional capabilities, for a store that can enumerate what it holds
 * ```ts
 * const store: LayerInfoStore = {
 *   // … the seven operations, then:
 *   forgetDigest(digest) {
 *     let removed = 0;
 *     for (const digests of links.values()) if (digests.delete(digest)) removed++;
 *     return removed;
 *   },
 *   *entries() {
 *     for (const [repo, digests] of links) {
 *       for (const digest of digests) yield { kind: 'membership', repo, digest };
 *     }
 *     for (const [digest, meta] of metas) yield { kind: 'meta', digest, meta };
 *   },
 * };
 * ```
 */
export interface LayerInfoStore {
  contains(repo: string, digest: string, signal?: AbortSignal): MaybePromise<boolean>;
  add(repo: string, digest: string, signal?: AbortSignal): MaybePromise<void>;
  /** `true` if the membership was there. */
  remove(repo: string, digest: string, signal?: AbortSignal): MaybePromise<boolean>;
  /** The stored meta, or `undefined` when there is none (core turns that into `NotFoundError`). */
  meta(digest: string, signal?: AbortSignal): MaybePromise<LayerMeta | undefined>;
  setMeta(digest: string, meta: LayerMeta, signal?: AbortSignal): MaybePromise<void>;
  /** `true` if a meta was there. */
  deleteMeta(digest: string, signal?: AbortSignal): MaybePromise<boolean>;
  clear(signal?: AbortSignal): MaybePromise<void>;
  /** Releases what the store owns. Called at most once. */
  close?(): MaybePromise<void>;

  // Optional capabilities, for operators' tools (`layercache forget`, `verify`, `stats`). Core
  // exposes each on the cache only when the store has it; nothing on the hot path calls them.

  /**
   * Removes the membership of `digest` in every repository and returns how many live ones were
   * removed (an expired membership may be deleted too but is not counted). Leaves the digest's
   * meta alone: `deleteMeta` is its own call. Like `remove`, nothing a later `add` to another
   * repository does may bring a removed membership back.
   *
   * May scan every repository: it is meant for the few digests a garbage collection deleted.
   */
  forgetDigest?(digest: string, signal?: AbortSignal): MaybePromise<number>;
  /**
   * Every live membership and meta, each exactly once, in any order. An entry present for the
   * whole iteration is listed; one added or removed meanwhile may or may not be. The caller may
   * write to the cache (remove what it lists, say) while it iterates.
   *
   * Core stops asking for entries once the caller stops, closes the cache or aborts, and calls
   * the iterator's `return()` so it can release what it holds. A store that cannot stream may
   * return an array.
   */
  entries?(signal?: AbortSignal): Iterable<LayerCacheEntry> | AsyncIterable<LayerCacheEntry>;
}
