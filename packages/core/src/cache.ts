import { instrumentCache } from './cache-metrics.js';
import { signalOf } from './call-options.js';
import { DeadlineExceededError, Deadlines } from './deadline.js';
import {
  ClosedError,
  InvalidArgumentError,
  isLayerCacheError,
  NotFoundError,
  UnavailableError,
} from './errors.js';
import {
  type AdapterOptions,
  describeValue,
  optionalBoolean,
  optionalInteger,
  optionalMeter,
  optionalString,
  readOptions,
} from './options.js';
import type { LayerInfoStore, MaybePromise } from './store.js';
import type { CallOptions, LayerCacheEntry, LayerInfoCache } from './types.js';
import { validateDigest, validateLayerMeta, validateRepository } from './validate.js';

/** Options of {@link createLayerInfoCache}. */
export interface LayerInfoCacheOptions extends AdapterOptions {
  /**
   * Names the adapter in error messages and in the `layercache.cache` metric attribute, e.g.
   * `"redis"`. Default: `"store"`.
   */
  readonly name?: string;
  /**
   * Every call whose store answers asynchronously settles within this many milliseconds: when
   * the store has not answered by then, the call rejects with `UnavailableError` whose `cause` is
   * a `DeadlineExceededError`, and a later answer is dropped. One coarse timer serves all calls
   * in flight, ticking every eighth of `timeoutMs` rounded up to a whole millisecond, so a call
   * is rejected no earlier than `timeoutMs` and no later than 9 × ⌈`timeoutMs` / 8⌉ ms (an
   * eighth more when `timeoutMs` is a multiple of 8), plus event-loop delay. Stores that answer
   * synchronously are never timed. Give it for any store over a network or another process:
   * without it a dead backend can leave calls pending forever. Default: none (calls are not
   * timed).
   */
  readonly timeoutMs?: number;
  /**
   * Set by an in-process store whose `contains` and `meta` answer synchronously by exact lookup
   * of the keys it was given (`Map#get`, lru-cache's `get`), so that any other value — of any
   * type, valid or not — is a miss that changes nothing. The cache then asks the store before it
   * validates and validates only a miss: a hit is a key that passed validation when it was
   * stored, and checking it again reads every character of the digest for nothing (at a million
   * entries, most of what such a read costs). Invalid input still gets its
   * `InvalidArgumentError`; writes are validated before the store as always. Default: `false`.
   *
   * @example
   * ```ts
   * const links = new Map<string, Set<string>>();
   * const store: LayerInfoStore = { contains: (repo, digest) => links.get(repo)?.has(digest) === true, … };
   * createLayerInfoCache(store, { name: 'my-map', exactKeyReads: true });
   * ```
   */
  readonly exactKeyReads?: boolean;
}

// setInterval's limit.
const MAX_TIMEOUT_MS = 2_147_483_647;

type Operation =
  | 'contains'
  | 'add'
  | 'remove'
  | 'meta'
  | 'setMeta'
  | 'deleteMeta'
  | 'clear'
  | 'forgetDigest'
  | 'entries';

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
  const checked = readOptions('createLayerInfoCache', options, [
    'name',
    'timeoutMs',
    'meter',
    'exactKeyReads',
  ]);
  const name = optionalString('createLayerInfoCache', 'name', checked.name) ?? 'store';
  const timeoutMs = optionalInteger('createLayerInfoCache', 'timeoutMs', checked.timeoutMs, {
    min: 1,
    max: MAX_TIMEOUT_MS,
    unit: 'milliseconds',
  });
  const meter = optionalMeter('createLayerInfoCache', 'meter', checked.meter);
  const deadlines = timeoutMs === undefined ? undefined : new Deadlines(timeoutMs);
  const exactKeyReads =
    optionalBoolean('createLayerInfoCache', 'exactKeyReads', checked.exactKeyReads) ?? false;
  let closing: Promise<void> | undefined;

  // What a caller is rejected with: the abort reason and our own typed errors as they are, any
  // other failure of the store as an UnavailableError carrying it as `cause`.
  function rejection(
    operation: Operation,
    error: unknown,
    signal: AbortSignal | InvalidArgumentError | undefined,
  ) {
    // Aborted: the caller gets its reason, even if the store cancelled with an error of its own.
    // (Only for a real signal: anything else was already refused by `signalOf`.)
    if (signal instanceof AbortSignal && signal.aborted) return signal.reason;
    if (isLayerCacheError(error)) return error;
    if (error instanceof DeadlineExceededError) {
      return new UnavailableError(
        `layercache ${name}: ${operation} timed out: the store did not answer within ${error.timeoutMs} ms`,
        { cause: error },
      );
    }
    const detail = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`layercache ${name}: ${operation} failed: ${detail}`, {
      cause: error,
    });
  }

  // The rejection of a call without a signal, one function per operation rather than a closure
  // per call.
  const failures: Partial<Record<Operation, (error: unknown) => unknown>> = {};

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
      failures[operation] ??= (error) => rejection(operation, error, undefined);
      const fail = failures[operation];
      // The common case of a timed store: one promise for the deadline, the mapping and the
      // failure together, not one for each.
      if (deadlines !== undefined) return deadlines.guard(pending, map, fail);
      return Promise.resolve(pending).then(map, (error: unknown) => {
        throw fail(error);
      });
    }
    if (deadlines !== undefined) pending = deadlines.guard(pending, same, same);
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
  function enter(
    operation: Operation,
    signal: AbortSignal | InvalidArgumentError | undefined,
  ): AbortSignal | undefined {
    if (closing !== undefined) throw new ClosedError(operation);
    if (signal instanceof InvalidArgumentError) throw signal;
    signal?.throwIfAborted();
    return signal;
  }

  const isTrue = (value: unknown) => value === true;
  const validateLink = (repo: unknown, digest: unknown) => {
    validateRepository(repo);
    validateDigest(digest);
  };
  const same = <V>(value: V) => value;
  const nothing = () => undefined;

  // The methods are plain functions returning promises rather than `async` functions: this is the
  // hot path of every adapter, and a synchronous store's answer then costs one resolved promise
  // and no suspended function frame. Everything thrown inside the `try` (a closed cache, bad
  // input, an aborted signal, a failing store) becomes the returned rejection.
  const cache: LayerInfoCache = {
    contains(repo, digest, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('contains', checked);
        // A store with exactKeyReads is asked first: its hit proves the input valid, so only a
        // miss is checked (see LayerInfoCacheOptions.exactKeyReads).
        if (!exactKeyReads) validateLink(repo, digest);
        const found = store.contains(repo, digest, signal);
        if (exactKeyReads && found !== true) validateLink(repo, digest);
        if (typeof found === 'boolean') return Promise.resolve(found);
        return settle('contains', found, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('contains', error, checked));
      }
    },

    add(repo, digest, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('add', checked);
        validateLink(repo, digest);
        const done = store.add(repo, digest, signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('add', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('add', error, checked));
      }
    },

    remove(repo, digest, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('remove', checked);
        validateLink(repo, digest);
        const removed = store.remove(repo, digest, signal);
        if (typeof removed === 'boolean') return Promise.resolve(removed);
        return settle('remove', removed, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('remove', error, checked));
      }
    },

    meta(digest, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('meta', checked);
        if (!exactKeyReads) validateDigest(digest);
        const found = store.meta(digest, signal);
        if (exactKeyReads && (found == null || isPromiseLike(found))) validateDigest(digest);
        if (!isPromiseLike(found)) {
          return found == null ? Promise.reject(new NotFoundError(digest)) : Promise.resolve(found);
        }
        return settle('meta', found, signal, (meta) => {
          if (meta == null) throw new NotFoundError(digest);
          return meta;
        });
      } catch (error) {
        return Promise.reject(rejection('meta', error, checked));
      }
    },

    setMeta(digest, meta, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('setMeta', checked);
        validateDigest(digest);
        const done = store.setMeta(digest, validateLayerMeta(meta), signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('setMeta', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('setMeta', error, checked));
      }
    },

    deleteMeta(digest, options) {
      const checked = signalOf(options);
      try {
        const signal = enter('deleteMeta', checked);
        validateDigest(digest);
        const deleted = store.deleteMeta(digest, signal);
        if (typeof deleted === 'boolean') return Promise.resolve(deleted);
        return settle('deleteMeta', deleted, signal, isTrue);
      } catch (error) {
        return Promise.reject(rejection('deleteMeta', error, checked));
      }
    },

    clear(options) {
      const checked = signalOf(options);
      try {
        const signal = enter('clear', checked);
        const done = store.clear(signal);
        if (!isPromiseLike(done)) return Promise.resolve();
        return settle('clear', done, signal, nothing);
      } catch (error) {
        return Promise.reject(rejection('clear', error, checked));
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

    // The optional capabilities exist on the cache only when the store has them, so a caller
    // (and the conformance suite) can tell by looking. Off the hot path: they add no check to
    // the seven operations above.
    ...(store.forgetDigest === undefined
      ? {}
      : {
          forgetDigest(digest: string, options?: CallOptions) {
            const checked = signalOf(options);
            try {
              const signal = enter('forgetDigest', checked);
              validateDigest(digest);
              const removed = store.forgetDigest!(digest, signal);
              if (!isPromiseLike(removed)) return Promise.resolve(checkedCount(name, removed));
              return settle('forgetDigest', removed, signal, (n) => checkedCount(name, n));
            } catch (error) {
              return Promise.reject(rejection('forgetDigest', error, checked));
            }
          },
        }),

    ...(store.entries === undefined
      ? {}
      : {
          entries(options?: CallOptions) {
            const checked = signalOf(options);
            let signal: AbortSignal | undefined;
            return iterateEntries({
              open() {
                signal = enter('entries', checked);
                return store.entries!(signal);
              },
              check: () => enter('entries', checked),
              wait: <T>(pending: PromiseLike<T>) => {
                const bounded =
                  deadlines === undefined ? pending : deadlines.guard(pending, same, same);
                return signal === undefined ? bounded : race('entries', bounded, signal);
              },
              fail: (error) => rejection('entries', error, checked),
            });
          },
        }),
  };
  return meter === undefined ? cache : instrumentCache(cache, name, meter);
}

// A store's count is reported to operators: anything but a non-negative integer is a broken
// store, not a number to print.
function checkedCount(name: string, removed: unknown): number {
  if (typeof removed === 'number' && Number.isSafeInteger(removed) && removed >= 0) return removed;
  throw new UnavailableError(
    `layercache ${name}: forgetDigest failed: the store answered ${describeValue(removed)}, not a count`,
  );
}

interface EntrySteps {
  /** Checks the call (closed, options, signal) and asks the store for its entries. */
  open(): Iterable<LayerCacheEntry> | AsyncIterable<LayerCacheEntry>;
  /** Checks again before each step: a closed cache or an aborted signal ends the listing. */
  check(): void;
  /** Awaits an asynchronous step, against the caller's signal. */
  wait<T>(pending: PromiseLike<T>): PromiseLike<T>;
  /** What the caller is rejected with for a failure. */
  fail(error: unknown): unknown;
}

/**
 * The cache's side of `entries()`: an async generator, so nothing runs (and nothing throws) until
 * the first `next()`. Each entry is copied into a frozen object of its own, so a caller can neither
 * see nor change the store's records. `return()` reaches the store's iterator whichever way the
 * listing ends, so it can release a cursor or a statement.
 */
async function* iterateEntries(
  steps: EntrySteps,
): AsyncGenerator<LayerCacheEntry, void, undefined> {
  let iterator: Iterator<LayerCacheEntry> | AsyncIterator<LayerCacheEntry>;
  try {
    const source = steps.open();
    iterator =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<LayerCacheEntry>)[Symbol.iterator]();
  } catch (error) {
    throw steps.fail(error);
  }
  try {
    for (;;) {
      let step: IteratorResult<LayerCacheEntry>;
      try {
        steps.check();
        const next = iterator.next();
        step = isPromiseLike(next) ? await steps.wait(next) : next;
      } catch (error) {
        throw steps.fail(error);
      }
      if (step.done === true) return;
      yield copyEntry(step.value);
    }
  } finally {
    try {
      await iterator.return?.();
    } catch {
      // The listing is over either way; a store that fails to clean up has nothing to tell.
    }
  }
}

function copyEntry(entry: LayerCacheEntry): LayerCacheEntry {
  if (entry.kind === 'membership') {
    return Object.freeze({ kind: 'membership', repo: entry.repo, digest: entry.digest });
  }
  const meta = Object.freeze({ path: entry.meta.path, length: entry.meta.length });
  return Object.freeze({ kind: 'meta', digest: entry.digest, meta });
}
