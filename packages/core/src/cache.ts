import { ClosedError, isLayerCacheError, NotFoundError, UnavailableError } from './errors.js';
import type { LayerInfoStore, MaybePromise } from './store.js';
import type { CallOptions, LayerInfoCache, LayerMeta } from './types.js';
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

  function fail(operation: Operation, error: unknown, signal: AbortSignal | undefined): never {
    // Aborted: the caller gets its reason, even if the store cancelled with an error of its own.
    if (signal?.aborted) throw signal.reason;
    if (isLayerCacheError(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnavailableError(`layercache ${name}: ${operation} failed: ${detail}`, {
      cause: error,
    });
  }

  // The store's promise, raced against the caller's signal. Only called for asynchronous answers:
  // a synchronous store never pays for a promise or a listener.
  async function settle<T>(
    operation: Operation,
    pending: PromiseLike<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (signal === undefined) {
      try {
        return await pending;
      } catch (error) {
        fail(operation, error, undefined);
      }
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, aborted]);
    } catch (error) {
      fail(operation, error, signal);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  // Runs the checks every operation shares before the store is touched. Throws (inside the
  // async caller, so the caller sees a rejection) instead of returning a flag.
  function enter(operation: Operation, options: CallOptions | undefined): AbortSignal | undefined {
    if (closing !== undefined) throw new ClosedError(operation);
    const signal = options?.signal;
    if (signal !== undefined) {
      if (typeof (signal as Partial<AbortSignal>).throwIfAborted !== 'function') {
        throw new InvalidArgumentError('signal', 'options.signal must be an AbortSignal');
      }
      signal.throwIfAborted();
    }
    return signal;
  }

  function run<T>(
    operation: Operation,
    signal: AbortSignal | undefined,
    call: () => MaybePromise<T>,
  ): T | Promise<T> {
    let result: MaybePromise<T>;
    try {
      result = call();
    } catch (error) {
      fail(operation, error, signal);
    }
    return isPromiseLike(result) ? settle(operation, result, signal) : result;
  }

  const cache: LayerInfoCache = {
    async contains(repo, digest, options) {
      const signal = enter('contains', options);
      validateRepository(repo);
      validateDigest(digest);
      const found = run('contains', signal, () => store.contains(repo, digest, signal));
      return found === true || (found !== false && (await found) === true);
    },

    async add(repo, digest, options) {
      const signal = enter('add', options);
      validateRepository(repo);
      validateDigest(digest);
      const done = run('add', signal, () => store.add(repo, digest, signal));
      if (done !== undefined) await done;
    },

    async remove(repo, digest, options) {
      const signal = enter('remove', options);
      validateRepository(repo);
      validateDigest(digest);
      const removed = run('remove', signal, () => store.remove(repo, digest, signal));
      return removed === true || (removed !== false && (await removed) === true);
    },

    async meta(digest, options) {
      const signal = enter('meta', options);
      validateDigest(digest);
      let found = run('meta', signal, () => store.meta(digest, signal));
      if (isPromiseLike(found)) found = await found;
      if (found === undefined) throw new NotFoundError(digest);
      return found;
    },

    async setMeta(digest, meta, options) {
      const signal = enter('setMeta', options);
      validateDigest(digest);
      const stored: LayerMeta = validateLayerMeta(meta);
      const done = run('setMeta', signal, () => store.setMeta(digest, stored, signal));
      if (done !== undefined) await done;
    },

    async deleteMeta(digest, options) {
      const signal = enter('deleteMeta', options);
      validateDigest(digest);
      const deleted = run('deleteMeta', signal, () => store.deleteMeta(digest, signal));
      return deleted === true || (deleted !== false && (await deleted) === true);
    },

    async clear(options) {
      const signal = enter('clear', options);
      const done = run('clear', signal, () => store.clear(signal));
      if (done !== undefined) await done;
    },

    close() {
      closing ??= (async () => {
        try {
          await store.close?.();
        } catch (error) {
          throw new UnavailableError(
            `layercache ${name}: close failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
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
