import {
  ClosedError,
  InvalidArgumentError,
  isLayerCacheError,
  NotFoundError,
  UnavailableError,
} from './errors.js';
import type { LayerInfoStore, MaybePromise } from './store.js';
import type { CallOptions, LayerInfoCache } from './types.js';
import { validateDigest, validateLayerMeta, validateRepository } from './validate.js';

/** Options of {@link createLayerInfoCache}. */
export interface LayerInfoCacheOptions {
  /** Names the adapter in error messages, e.g. `"redis"`. Default: `"store"`. */
  readonly name?: string;
}

type Operation = 'contains' | 'add' | 'remove' | 'meta' | 'setMeta' | 'deleteMeta' | 'clear';

function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}

function isAbortSignal(signal: unknown): signal is AbortSignal {
  return typeof (signal as Partial<AbortSignal> | undefined)?.throwIfAborted === 'function';
}

/**
 * Turns an adapter's {@link LayerInfoStore} into a {@link LayerInfoCache}: every call is
 * validated before the store runs, honours its `AbortSignal` (already aborted, or aborted while
 * in flight), rejects with `ClosedError` after `close()`, and reports any failure of the store as
 * an `UnavailableError` whose `cause` is the original error.
 *
 * @example
 * ```ts
 * import { createLayerInfoCache, type LayerInfoStore } from '@layercache/core';
 *
 * export function createMyCache(): LayerInfoCache {
 *   const store: LayerInfoStore = { … };
 *   return createLayerInfoCache(store, { name: 'my-adapter' });
 * }
 * ```
 */
export function createLayerInfoCache(
  store: LayerInfoStore,
  options: LayerInfoCacheOptions = {},
): LayerInfoCache {
  const name = options.name ?? 'store';
  let closing: Promise<void> | undefined;

  // What a caller is rejected with: the abort reason and our own typed errors as they are, any
  // other failure of the store as an UnavailableError carrying it as `cause`.
  function rejection(operation: Operation, error: unknown, signal: AbortSignal | undefined) {
    // Aborted: the caller gets its reason, even if the store cancelled with an error of its own.
    // (Only for a real signal: a look-alike was already refused by `enter`.)
    if (isAbortSignal(signal) && signal.aborted) return signal.reason;
    if (isLayerCacheError(error)) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`layercache ${name}: ${operation} failed: ${detail}`, {
      cause: error,
    });
  }

  // Settles an asynchronous answer of the store: maps its value for the caller, turns its failure
  // into the caller's rejection, and races it against the caller's signal. Without a signal this
  // is a single `then`, so asynchronous adapters pay one promise, not an async frame and two.
  function settle<T, R>(
    operation: Operation,
    pending: PromiseLike<T>,
    signal: AbortSignal | undefined,
    map: (value: T) => R,
  ): Promise<R> {
    if (signal === undefined) {
      return Promise.resolve(pending).then(map, (error: unknown) => {
        throw rejection(operation, error, undefined);
      });
    }
    return race(operation, pending, signal).then(map);
  }

  async function race<T>(operation: Operation, pending: PromiseLike<T>, signal: AbortSignal) {
    let onAbort: (() => void) | undefined;
    try {
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort(); // fired during the store's synchronous part: no event is coming
      });
      return await Promise.race([pending, aborted]);
    } catch (error) {
      throw rejection(operation, error, signal);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  // The checks every operation shares before the store is touched.
  function enter(operation: Operation, options: CallOptions | undefined): AbortSignal | undefined {
    if (closing !== undefined) throw new ClosedError(operation);
    const signal = options?.signal;
    if (signal !== undefined) {
      if (!isAbortSignal(signal)) {
        throw new InvalidArgumentError('signal', 'options.signal must be an AbortSignal');
      }
      signal.throwIfAborted();
    }
    return signal;
  }

  const isTrue = (value: unknown) => value === true;
  const nothing = () => undefined;

  // The methods are plain functions returning promises rather than `async` functions: this is the
  // hot path of every adapter, and a synchronous store's answer then costs one resolved promise
  // and no suspended function frame. Everything thrown inside the `try` (a closed cache, bad
  // input, an aborted signal, a failing store) becomes the returned rejection.
  const cache: LayerInfoCache = {
    contains(repo, digest, options) {
      try {
        const signal = enter('contains', options);
        validateRepository(repo);
        validateDigest(digest);
        const found = store.contains(repo, digest, signal);
        if (typeof found === 'boolean') return Promise.resolve(found);
        return settle('contains', found, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('contains', error, options?.signal));
      }
    },

    add(repo, digest, options) {
      try {
        const signal = enter('add', options);
        validateRepository(repo);
        validateDigest(digest);
        const done = store.add(repo, digest, signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('add', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('add', error, options?.signal));
      }
    },

    remove(repo, digest, options) {
      try {
        const signal = enter('remove', options);
        validateRepository(repo);
        validateDigest(digest);
        const removed = store.remove(repo, digest, signal);
        if (typeof removed === 'boolean') return Promise.resolve(removed);
        return settle('remove', removed, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('remove', error, options?.signal));
      }
    },

    meta(digest, options) {
      try {
        const signal = enter('meta', options);
        validateDigest(digest);
        const found = store.meta(digest, signal);
        if (!isPromiseLike(found)) {
          return found == null ? Promise.reject(new NotFoundError(digest)) : Promise.resolve(found);
        }
        return settle('meta', found, signal, (meta) => {
          if (meta == null) throw new NotFoundError(digest);
          return meta;
        });
      } catch (error) {
        return Promise.reject(rejection('meta', error, options?.signal));
      }
    },

    setMeta(digest, meta, options) {
      try {
        const signal = enter('setMeta', options);
        validateDigest(digest);
        const done = store.setMeta(digest, validateLayerMeta(meta), signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('setMeta', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('setMeta', error, options?.signal));
      }
    },

    deleteMeta(digest, options) {
      try {
        const signal = enter('deleteMeta', options);
        validateDigest(digest);
        const deleted = store.deleteMeta(digest, signal);
        if (typeof deleted === 'boolean') return Promise.resolve(deleted);
        return settle('deleteMeta', deleted, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('deleteMeta', error, options?.signal));
      }
    },

    clear(options) {
      try {
        const signal = enter('clear', options);
        const done = store.clear(signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('clear', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('clear', error, options?.signal));
      }
    },

    close() {
      closing ??= (async () => {
        try {
          await store.close?.();
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          throw new UnavailableError(`layercache ${name}: close failed: ${detail}`, {
            cause: error,
          });
        }
      })();
      return closing;
    },

    [Symbol.asyncDispose]() {
      return cache.close();
    },
  };
  return cache;
}
