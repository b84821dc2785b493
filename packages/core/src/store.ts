import type { LayerMeta } from './types.js';

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
}
