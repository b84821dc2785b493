import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  type CallOptions,
  ClosedError,
  createLayerInfoCache,
  InvalidArgumentError,
  isClosedError,
  isInvalidArgumentError,
  isNotFoundError,
  isUnavailableError,
  type LayerInfoCache,
  type LayerInfoStore,
  type LayerMeta,
  NotFoundError,
  UnavailableError,
} from '../src/index.js';

const repo = 'library/ubuntu';
const digest = `sha256:${'ab'.repeat(32)}`;
const meta: LayerMeta = { path: '/docker/registry/v2/blobs/sha256/ab/abab/data', length: 42 };

// The seven operations and close; the optional capabilities are tested in capabilities.test.ts.
type StoreMethod = Exclude<keyof LayerInfoStore, 'forgetDigest' | 'entries'>;

/**
 * A real Map-backed store that records every call that reaches it. `overrides` replace single
 * methods to make the store misbehave (throw, hang, answer oddly).
 */
function recordingStore(overrides: Partial<LayerInfoStore> = {}) {
  const calls: [StoreMethod, ...unknown[]][] = [];
  const links = new Map<string, Set<string>>();
  const metas = new Map<string, LayerMeta>();
  const real: Required<Pick<LayerInfoStore, StoreMethod>> = {
    contains: (r, d) => links.get(r)?.has(d) === true,
    add(r, d) {
      const set = links.get(r) ?? new Set();
      set.add(d);
      links.set(r, set);
    },
    remove: (r, d) => links.get(r)?.delete(d) === true,
    meta: (d) => metas.get(d),
    setMeta(d, m) {
      metas.set(d, m);
    },
    deleteMeta: (d) => metas.delete(d),
    clear() {
      links.clear();
      metas.clear();
    },
    close() {},
  };
  const store = {} as Record<StoreMethod, (...args: unknown[]) => unknown>;
  for (const method of Object.keys(real) as StoreMethod[]) {
    store[method] = (...args: unknown[]) => {
      calls.push([method, ...args]);
      const impl = (overrides[method] ?? real[method]) as (...a: unknown[]) => unknown;
      return impl(...args);
    };
  }
  return { store: store as unknown as LayerInfoStore, calls };
}

type Operation = Exclude<StoreMethod, 'close'>;

/** Each data operation called with valid arguments. */
const operations: Record<
  Operation,
  (cache: LayerInfoCache, signal?: AbortSignal, options?: CallOptions) => Promise<unknown>
> = {
  contains: (cache, signal, options = { signal }) => cache.contains(repo, digest, options),
  add: (cache, signal, options = { signal }) => cache.add(repo, digest, options),
  remove: (cache, signal, options = { signal }) => cache.remove(repo, digest, options),
  meta: (cache, signal, options = { signal }) => cache.meta(digest, options),
  setMeta: (cache, signal, options = { signal }) => cache.setMeta(digest, meta, options),
  deleteMeta: (cache, signal, options = { signal }) => cache.deleteMeta(digest, options),
  clear: (cache, signal, options = { signal }) => cache.clear(options),
};
const operationNames = Object.keys(operations) as Operation[];

const never = () => new Promise<never>(() => {});

/** Rejects if `promise` has not settled within `ms`: "promptly", with a bound. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Settles `promise` and returns what it rejected with (fails if it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call resolved');
}

describe('createLayerInfoCache: validation before the store', () => {
  const badRepo = 'Library/Ubuntu';
  const badDigest = 'sha256:short';
  const badCalls: [
    string,
    'repo' | 'digest' | 'meta',
    (cache: LayerInfoCache) => Promise<unknown>,
  ][] = [
    ['contains with a bad repo', 'repo', (c) => c.contains(badRepo, digest)],
    ['contains with a bad digest', 'digest', (c) => c.contains(repo, badDigest)],
    ['add with a bad repo', 'repo', (c) => c.add(badRepo, digest)],
    ['add with a bad digest', 'digest', (c) => c.add(repo, badDigest)],
    ['remove with a bad repo', 'repo', (c) => c.remove(badRepo, digest)],
    ['remove with a bad digest', 'digest', (c) => c.remove(repo, badDigest)],
    ['meta with a bad digest', 'digest', (c) => c.meta(badDigest)],
    ['setMeta with a bad digest', 'digest', (c) => c.setMeta(badDigest, meta)],
    ['setMeta with an empty path', 'meta', (c) => c.setMeta(digest, { path: '', length: 1 })],
    [
      'setMeta with a negative length',
      'meta',
      (c) => c.setMeta(digest, { path: '/p', length: -1 }),
    ],
    ['setMeta with a null meta', 'meta', (c) => c.setMeta(digest, null as unknown as LayerMeta)],
    ['deleteMeta with a bad digest', 'digest', (c) => c.deleteMeta(badDigest)],
    ['add with a non-string repo', 'repo', (c) => c.add(42 as unknown as string, digest)],
    ['add with a non-string digest', 'digest', (c) => c.add(repo, undefined as unknown as string)],
    [
      'setMeta with a Proxy meta whose getPrototypeOf trap throws',
      'meta',
      (c) =>
        c.setMeta(
          digest,
          new Proxy(
            {},
            {
              getPrototypeOf() {
                throw new Error('trap');
              },
            },
          ) as unknown as LayerMeta,
        ),
    ],
    [
      'setMeta with a meta whose getter throws',
      'meta',
      (c) =>
        c.setMeta(
          digest,
          Object.defineProperty({ length: 1 }, 'path', {
            enumerable: true,
            get() {
              throw new Error('boom');
            },
          }) as unknown as LayerMeta,
        ),
    ],
  ];

  it.each(badCalls)(
    '%s rejects with InvalidArgumentError and never reaches the store',
    async (_, argument, call) => {
      const { store, calls } = recordingStore();
      const cache = createLayerInfoCache(store);
      const error = await rejectionOf(call(cache));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect(calls).toEqual([]);
    },
  );

  describe('a store with exactKeyReads', () => {
    const exact = () => {
      const { store, calls } = recordingStore();
      return { cache: createLayerInfoCache(store, { exactKeyReads: true }), calls };
    };
    const badReads = badCalls.filter(([name]) => /^(contains|meta) /.test(name));

    it.each([
      ...badReads,
      [
        'contains with a non-string repo',
        'repo',
        (c) => c.contains(7 as unknown as string, digest),
      ],
      ['meta with an object digest', 'digest', (c) => c.meta({} as unknown as string)],
    ] satisfies typeof badCalls)(
      '%s is asked of the store, misses, and rejects with InvalidArgumentError',
      async (name, argument, call) => {
        const { cache, calls } = exact();
        const error = await rejectionOf(call(cache));
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        expect(calls.map(([method]) => method)).toEqual([name.split(' ')[0]]);
      },
    );

    it('answers a hit from the store', async () => {
      const { cache, calls } = exact();
      await cache.add(repo, digest);
      await cache.setMeta(digest, meta);
      expect(await cache.contains(repo, digest)).toBe(true);
      expect(await cache.meta(digest)).toEqual(meta);
      expect(await cache.contains('library/alpine', digest)).toBe(false);
      await expect(cache.meta(`sha256:${'cd'.repeat(32)}`)).rejects.toSatisfy(isNotFoundError);
      expect(calls.map(([method]) => method)).toEqual([
        'add',
        'setMeta',
        'contains',
        'meta',
        'contains',
        'meta',
      ]);
    });

    it('is refused unless it is a boolean', () => {
      const { store } = recordingStore();
      expect(() => createLayerInfoCache(store, { exactKeyReads: 'yes' as never })).toThrow(
        expect.objectContaining({
          code: 'ERR_LAYERCACHE_INVALID_ARGUMENT',
          argument: 'exactKeyReads',
        }),
      );
    });

    it('still validates writes before they reach the store', async () => {
      const { cache, calls } = exact();
      await expect(cache.add('Library/Ubuntu', digest)).rejects.toSatisfy(isInvalidArgumentError);
      await expect(cache.setMeta('sha256:short', meta)).rejects.toSatisfy(isInvalidArgumentError);
      expect(calls).toEqual([]);
    });
  });

  it('rejects bad input asynchronously: the call returns a rejected promise, never throws', async () => {
    const cache = createLayerInfoCache(recordingStore().store);
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = cache.contains('', digest);
    }).not.toThrow();
    expect(isInvalidArgumentError(await rejectionOf(promise!))).toBe(true);
  });

  it('hands the store a frozen copy of the meta holding only path and length', async () => {
    const { store, calls } = recordingStore();
    const cache = createLayerInfoCache(store);
    const input = { ...meta, mediaType: 'application/octet-stream' };
    await cache.setMeta(digest, input);
    const [[method, storedDigest, stored]] = calls as [[string, string, LayerMeta]];
    expect(method).toBe('setMeta');
    expect(storedDigest).toBe(digest);
    expect(stored).toEqual(meta);
    expect(stored).not.toBe(input);
    expect(Object.isFrozen(stored)).toBe(true);
  });

  it('passes valid arguments and the signal through to the store unchanged', async () => {
    const { store, calls } = recordingStore();
    const cache = createLayerInfoCache(store);
    const { signal } = new AbortController();
    await cache.add(repo, digest, { signal });
    await cache.clear();
    expect(calls).toEqual([
      ['add', repo, digest, signal],
      ['clear', undefined],
    ]);
  });
});

describe('createLayerInfoCache: answers', () => {
  it('round-trips through a synchronous store', async () => {
    const cache = createLayerInfoCache(recordingStore().store);
    await cache.add(repo, digest);
    await cache.setMeta(digest, meta);
    expect(await cache.contains(repo, digest)).toBe(true);
    expect(await cache.meta(digest)).toEqual(meta);
    expect(await cache.remove(repo, digest)).toBe(true);
    expect(await cache.contains(repo, digest)).toBe(false);
  });

  it('round-trips through an asynchronous store', async () => {
    const { store: sync } = recordingStore();
    const store: LayerInfoStore = {
      contains: async (r, d) => sync.contains(r, d),
      add: async (r, d) => sync.add(r, d),
      remove: async (r, d) => sync.remove(r, d),
      meta: async (d) => sync.meta(d),
      setMeta: async (d, m) => sync.setMeta(d, m),
      deleteMeta: async (d) => sync.deleteMeta(d),
      clear: async () => sync.clear(),
    };
    const cache = createLayerInfoCache(store);
    await cache.add(repo, digest);
    await cache.setMeta(digest, meta);
    expect(await cache.contains(repo, digest)).toBe(true);
    expect(await cache.meta(digest)).toEqual(meta);
    expect(await cache.deleteMeta(digest)).toBe(true);
    expect(await cache.deleteMeta(digest)).toBe(false);
  });

  it.each([
    ['synchronously', () => undefined],
    ['asynchronously', async () => undefined],
    ['as null', () => null as unknown as undefined],
    ['as null, asynchronously', async () => null as unknown as undefined],
  ])('turns a meta miss answered %s into NotFoundError naming the digest', async (_, missing) => {
    const cache = createLayerInfoCache(recordingStore({ meta: missing }).store);
    const error = await rejectionOf(cache.meta(digest));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(isNotFoundError(error)).toBe(true);
    expect((error as NotFoundError).digest).toBe(digest);
  });

  const oddAnswers: [string, unknown][] = [
    ['1', 1],
    ['"true"', 'true'],
    ['an object', {}],
    ['null', null],
    ['undefined', undefined],
    ['a promise of 1', Promise.resolve(1)],
    ['a promise of undefined', Promise.resolve(undefined)],
  ];

  it.each(
    (['contains', 'remove', 'deleteMeta'] as const).flatMap((op) =>
      oddAnswers.map(([label, answer]) => [op, label, answer] as const),
    ),
  )('%s resolves strictly false when the store answers %s', async (op, _, answer) => {
    const cache = createLayerInfoCache(recordingStore({ [op]: () => answer }).store);
    const result = await operations[op](cache);
    expect(result).toBe(false);
  });

  it.each(
    (['contains', 'remove', 'deleteMeta'] as const).flatMap(
      (op): [Operation, string, () => boolean | Promise<boolean>][] => [
        [op, 'true', () => true],
        [op, 'a promise of true', async () => true],
      ],
    ),
  )('%s resolves true when the store answers %s', async (op, _, answer) => {
    const cache = createLayerInfoCache(recordingStore({ [op]: answer }).store);
    expect(await operations[op](cache)).toBe(true);
  });

  it.each(['add', 'setMeta', 'clear'] as const)(
    '%s resolves undefined whatever the store returns',
    async (op) => {
      const cache = createLayerInfoCache(recordingStore({ [op]: async () => 'OK' }).store);
      expect(await operations[op](cache)).toBeUndefined();
    },
  );
});

describe('createLayerInfoCache: closed state', () => {
  it.each(operationNames)(
    '%s rejects with ClosedError after close, without reaching the store',
    async (op) => {
      const { store, calls } = recordingStore();
      const cache = createLayerInfoCache(store);
      await cache.close();
      const error = await rejectionOf(operations[op](cache));
      expect(error).toBeInstanceOf(ClosedError);
      expect(isClosedError(error)).toBe(true);
      expect((error as Error).message).toContain(op);
      expect(calls).toEqual([['close']]);
    },
  );

  it('close is idempotent and closes the store once', async () => {
    const { store, calls } = recordingStore();
    const cache = createLayerInfoCache(store);
    await cache.close();
    await cache.close();
    await cache[Symbol.asyncDispose]();
    expect(calls).toEqual([['close']]);
  });

  it('concurrent close calls share one store close', async () => {
    let release: () => void = () => {};
    const { store, calls } = recordingStore({
      close: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    const cache = createLayerInfoCache(store);
    const first = cache.close();
    const second = cache.close();
    release();
    await Promise.all([first, second]);
    expect(calls).toEqual([['close']]);
  });

  it('rejects operations as soon as close is called, before the store finishes closing', async () => {
    let release: () => void = () => {};
    const { store } = recordingStore({
      close: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    const cache = createLayerInfoCache(store);
    const closing = cache.close();
    expect(isClosedError(await rejectionOf(cache.contains(repo, digest)))).toBe(true);
    release();
    await closing;
  });

  it('await using closes the cache at the end of the block', async () => {
    const { store, calls } = recordingStore();
    let escaped: LayerInfoCache | undefined;
    {
      await using cache = createLayerInfoCache(store);
      await cache.add(repo, digest);
      escaped = cache;
    }
    expect(calls.map(([method]) => method)).toEqual(['add', 'close']);
    expect(isClosedError(await rejectionOf(escaped.contains(repo, digest)))).toBe(true);
  });

  it('closes a store that has no close method', async () => {
    const { close: _, ...store } = recordingStore().store;
    const cache = createLayerInfoCache(store);
    await expect(cache.close()).resolves.toBeUndefined();
    expect(isClosedError(await rejectionOf(cache.add(repo, digest)))).toBe(true);
  });

  it('reports a failing store close as UnavailableError, and does not retry it', async () => {
    const failure = new Error('socket hang up');
    const { store, calls } = recordingStore({
      close: () => {
        throw failure;
      },
    });
    const cache = createLayerInfoCache(store, { name: 'redis' });
    const error = await rejectionOf(cache.close());
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBe(failure);
    expect((error as Error).message).toMatch(/redis.*close.*socket hang up/);
    await rejectionOf(cache.close());
    expect(calls).toEqual([['close']]);
  });
});

describe('createLayerInfoCache: abort', () => {
  it.each(operationNames)(
    '%s with an already aborted signal rejects with exactly its reason and never reaches the store',
    async (op) => {
      const { store, calls } = recordingStore();
      const cache = createLayerInfoCache(store);
      const reason = { why: 'the client went away' };
      const error = await rejectionOf(operations[op](cache, AbortSignal.abort(reason)));
      expect(error).toBe(reason);
      expect(calls).toEqual([]);
    },
  );

  it.each([
    ['a plain object', { aborted: false }],
    ['a look-alike that claims to be aborted', { aborted: true, reason: 'not an error' }],
    ['a string', 'abort'],
  ])(
    'rejects %s as options.signal with InvalidArgumentError, before the store runs',
    async (_, signal) => {
      const { store, calls } = recordingStore();
      const cache = createLayerInfoCache(store);
      const error = await rejectionOf(
        cache.add(repo, digest, { signal: signal as unknown as AbortSignal }),
      );
      expect(isInvalidArgumentError(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('signal');
      expect(calls).toEqual([]);
    },
  );

  it.each(operationNames)(
    '%s with a look-alike signal that has throwIfAborted rejects InvalidArgumentError and writes nothing',
    async (op) => {
      const { store, calls } = recordingStore();
      const cache = createLayerInfoCache(store);
      const signal = { aborted: false, throwIfAborted() {}, addEventListener() {} };
      const error = await rejectionOf(operations[op](cache, signal as unknown as AbortSignal));
      expect(isInvalidArgumentError(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('signal');
      expect(calls).toEqual([]);
    },
  );

  it('refuses a Proxy of a real signal as options.signal', async () => {
    const { store, calls } = recordingStore();
    const cache = createLayerInfoCache(store);
    const signal = new Proxy(new AbortController().signal, {});
    const error = await rejectionOf(cache.add(repo, digest, { signal }));
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(calls).toEqual([]);
  });

  it.each([
    [
      'options whose signal getter throws',
      {
        get signal(): AbortSignal {
          throw new TypeError('boom');
        },
      },
    ],
    [
      'a Proxy as options whose get trap throws',
      new Proxy(
        {},
        {
          get() {
            throw new TypeError('boom');
          },
        },
      ),
    ],
    ['a number as options', 42],
  ])('%s: every method returns a rejected promise, never throws', async (_, options) => {
    const { store, calls } = recordingStore();
    const cache = createLayerInfoCache(store);
    for (const op of operationNames) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = operations[op](cache, undefined, options as never);
      }).not.toThrow();
      const error = await rejectionOf(pending as Promise<unknown>);
      expect(isInvalidArgumentError(error)).toBe(true);
    }
    expect(calls).toEqual([]);
  });

  it('rejects with the default AbortError reason when aborted without one', async () => {
    const cache = createLayerInfoCache(recordingStore().store);
    const signal = AbortSignal.abort();
    const error = await rejectionOf(cache.contains(repo, digest, { signal }));
    expect(error).toBe(signal.reason);
    expect((error as Error).name).toBe('AbortError');
  });

  it.each(operationNames)(
    '%s aborted in flight rejects promptly with the reason although the store never settles',
    async (op) => {
      const { store, calls } = recordingStore({ [op]: never });
      const cache = createLayerInfoCache(store);
      const controller = new AbortController();
      const pending = operations[op](cache, controller.signal);
      expect(calls.map(([method]) => method)).toEqual([op]);
      const reason = new Error('deadline exceeded');
      controller.abort(reason);
      expect(await within(rejectionOf(pending), 1000)).toBe(reason);
    },
  );

  it('passes the reason through when a cooperating store rejects with it', async () => {
    const { store } = recordingStore({
      contains: (_r, _d, signal) =>
        new Promise<boolean>((_, reject) => {
          signal!.addEventListener('abort', () => reject(signal!.reason), { once: true });
        }),
    });
    const cache = createLayerInfoCache(store);
    const controller = new AbortController();
    const pending = cache.contains(repo, digest, { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await within(rejectionOf(pending), 1000)).toBe(reason);
  });

  it('rejects with the reason when a cooperating store rejects with its own error on abort', async () => {
    // A backend that cancels the command when the signal fires and rejects with its own error
    // (e.g. "command aborted"): the caller aborted, so it must see its reason, not an outage.
    const { store } = recordingStore({
      contains: (_r, _d, signal) =>
        new Promise<boolean>((_, reject) => {
          signal!.addEventListener('abort', () => reject(new Error('command aborted')), {
            once: true,
          });
        }),
    });
    const cache = createLayerInfoCache(store);
    const controller = new AbortController();
    const pending = cache.contains(repo, digest, { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await within(rejectionOf(pending), 1000)).toBe(reason);
  });

  it('rejects with the reason when the signal fires while the store is still being called', async () => {
    // The abort event has already been dispatched by the time the store hands back its promise,
    // so waiting for the event alone would wait forever.
    const controller = new AbortController();
    const reason = new Error('aborted during the call');
    const { store } = recordingStore({
      contains: () => {
        controller.abort(reason);
        return never();
      },
    });
    const pending = createLayerInfoCache(store).contains(repo, digest, {
      signal: controller.signal,
    });
    expect(await within(rejectionOf(pending), 1000)).toBe(reason);
  });

  it('leaves no abort listener on the signal once an asynchronous call settles', async () => {
    const cache = createLayerInfoCache(recordingStore({ contains: async () => true }).store);
    const controller = new AbortController();
    for (let i = 0; i < 10; i++) {
      await cache.contains(repo, digest, { signal: controller.signal });
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves no abort listener on the signal once an asynchronous call fails', async () => {
    const cache = createLayerInfoCache(
      recordingStore({ contains: async () => Promise.reject(new Error('down')) }).store,
    );
    const controller = new AbortController();
    await rejectionOf(cache.contains(repo, digest, { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('an abort after the call settled changes nothing', async () => {
    const cache = createLayerInfoCache(recordingStore().store);
    const controller = new AbortController();
    await cache.add(repo, digest, { signal: controller.signal });
    controller.abort();
    expect(await cache.contains(repo, digest)).toBe(true);
  });
});

describe('createLayerInfoCache: store failures', () => {
  it.each(operationNames)(
    'a synchronous throw in %s becomes UnavailableError naming the adapter and operation, with cause',
    async (op) => {
      const failure = new Error('connect ECONNREFUSED 127.0.0.1:1');
      const { store } = recordingStore({
        [op]: () => {
          throw failure;
        },
      });
      const cache = createLayerInfoCache(store, { name: 'redis' });
      const error = await rejectionOf(operations[op](cache));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(isUnavailableError(error)).toBe(true);
      expect((error as Error).cause).toBe(failure);
      expect((error as Error).message).toBe(
        `layercache redis: ${op} failed: connect ECONNREFUSED 127.0.0.1:1`,
      );
    },
  );

  it.each(operationNames)(
    'an asynchronous rejection in %s becomes UnavailableError naming the adapter and operation, with cause',
    async (op) => {
      const failure = new Error('SQLITE_BUSY: database is locked');
      const { store } = recordingStore({ [op]: async () => Promise.reject(failure) });
      const cache = createLayerInfoCache(store, { name: 'sqlite' });
      const error = await rejectionOf(operations[op](cache));
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).cause).toBe(failure);
      expect((error as Error).message).toBe(
        `layercache sqlite: ${op} failed: SQLITE_BUSY: database is locked`,
      );
    },
  );

  it('wraps the rejection of an in-flight call that has a signal', async () => {
    const failure = new Error('timeout');
    const cache = createLayerInfoCache(
      recordingStore({ meta: async () => Promise.reject(failure) }).store,
    );
    const error = await rejectionOf(cache.meta(digest, { signal: new AbortController().signal }));
    expect(isUnavailableError(error)).toBe(true);
    expect((error as Error).cause).toBe(failure);
  });

  it.each([
    ['a string', 'boom', /contains failed: boom/],
    ['undefined', undefined, /contains failed: undefined/],
    ['a plain object', { errno: -111 }, /contains failed: \[object Object\]/],
  ])('wraps a thrown %s, keeping it as cause', async (_, thrown, message) => {
    const { store } = recordingStore({
      contains: () => {
        throw thrown;
      },
    });
    const error = await rejectionOf(createLayerInfoCache(store).contains(repo, digest));
    expect(isUnavailableError(error)).toBe(true);
    expect((error as Error).cause).toBe(thrown);
    expect((error as Error).message).toMatch(message);
  });

  it('names the adapter "store" when no name is given', async () => {
    const { store } = recordingStore({
      add: () => {
        throw new Error('x');
      },
    });
    const error = await rejectionOf(createLayerInfoCache(store).add(repo, digest));
    expect((error as Error).message).toBe('layercache store: add failed: x');
  });

  it.each([
    [
      'thrown',
      (e: Error) => () => {
        throw e;
      },
    ],
    ['rejected', (e: Error) => async () => Promise.reject(e)],
  ])('passes a LayerCacheError %s by the store through unchanged', async (_, fail) => {
    const own = new UnavailableError('layercache redis: command timed out after 1000 ms');
    const { store } = recordingStore({ setMeta: fail(own) });
    const error = await rejectionOf(createLayerInfoCache(store).setMeta(digest, meta));
    expect(error).toBe(own);
  });

  it('passes through a LayerCacheError from another copy of core unchanged', async () => {
    const foreign = Object.assign(new Error('closed by the other copy'), {
      code: 'ERR_LAYERCACHE_CLOSED',
    });
    const { store } = recordingStore({ contains: async () => Promise.reject(foreign) });
    const error = await rejectionOf(createLayerInfoCache(store).contains(repo, digest));
    expect(error).toBe(foreign);
  });

  it('never reports a failing contains as a miss', async () => {
    const { store } = recordingStore({ contains: async () => Promise.reject(new Error('down')) });
    await expect(createLayerInfoCache(store).contains(repo, digest)).rejects.toSatisfy(
      isUnavailableError,
    );
  });
});
