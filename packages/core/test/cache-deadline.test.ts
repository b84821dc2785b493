import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import {
  createLayerInfoCache,
  DeadlineExceededError,
  isInvalidArgumentError,
  isUnavailableError,
  type LayerInfoCache,
  type LayerInfoStore,
  type LayerMeta,
} from '../src/index.js';

const repo = 'library/ubuntu';
const digest = `sha256:${'ab'.repeat(32)}`;
const meta: LayerMeta = { path: '/blobs/ab/data', length: 1 };
const never = () => new Promise<never>(() => {});

/** A store over a network that went silent: no call ever settles. */
const silentStore: LayerInfoStore = {
  contains: never,
  add: never,
  remove: never,
  meta: never,
  setMeta: never,
  deleteMeta: never,
  clear: never,
};

const calls: Record<string, (cache: LayerInfoCache, signal?: AbortSignal) => Promise<unknown>> = {
  contains: (cache, signal) => cache.contains(repo, digest, { signal }),
  add: (cache, signal) => cache.add(repo, digest, { signal }),
  remove: (cache, signal) => cache.remove(repo, digest, { signal }),
  meta: (cache, signal) => cache.meta(digest, { signal }),
  setMeta: (cache, signal) => cache.setMeta(digest, meta, { signal }),
  deleteMeta: (cache, signal) => cache.deleteMeta(digest, { signal }),
  clear: (cache, signal) => cache.clear({ signal }),
};

/** The call's answer, or what it rejected with. */
function rejectionOr(promise: Promise<unknown>): Promise<unknown> {
  return promise.catch((error: unknown) => error);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createLayerInfoCache: timeoutMs', () => {
  it.each(Object.keys(calls))(
    '%s on a store that never answers rejects UnavailableError within timeoutMs plus a tick of the timer (an eighth)',
    async (operation) => {
      const cache = createLayerInfoCache(silentStore, { name: 'net', timeoutMs: 200 });
      const started = performance.now();
      const error = await rejectionOf(calls[operation]!(cache));
      const elapsed = performance.now() - started;
      expect(isUnavailableError(error)).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(DeadlineExceededError);
      expect((error as Error).message).toBe(
        `layercache net: ${operation} timed out: the store did not answer within 200 ms`,
      );
      // Never early; late by at most a tick (25 ms) plus scheduling on a loaded machine.
      expect(elapsed).toBeGreaterThanOrEqual(195);
      expect(elapsed).toBeLessThan(200 + 25 + 150);
    },
  );

  it('10,000 calls in flight share one timer, and leave no timer and no abort listener behind', async () => {
    // The coarse timer is unref'd, which hides it from process.getActiveResourcesInfo(): count
    // what is started and cleared instead.
    const started = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    try {
      const cache = createLayerInfoCache(silentStore, { timeoutMs: 100 });
      const controller = new AbortController();
      const pending = Array.from({ length: 10_000 }, (_, i) =>
        rejectionOf(
          i % 2 === 0
            ? cache.contains(repo, digest)
            : cache.meta(digest, { signal: controller.signal }),
        ),
      );
      const errors = await Promise.all(pending);
      expect(errors.filter(isUnavailableError)).toHaveLength(10_000);
      expect(started).toHaveBeenCalledTimes(1);
      const timer = started.mock.results[0]?.value;
      expect(cleared).toHaveBeenCalledWith(timer);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      started.mockRestore();
      cleared.mockRestore();
    }
  });

  it('drops an answer that arrives after the deadline', async () => {
    let answer: ((value: boolean) => void) | undefined;
    const cache = createLayerInfoCache(
      {
        ...silentStore,
        contains: () =>
          new Promise<boolean>((resolve) => {
            answer = resolve;
          }),
      },
      { timeoutMs: 50 },
    );
    const pending = rejectionOf(cache.contains(repo, digest));
    const error = await pending;
    answer?.(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(isUnavailableError(error)).toBe(true);
  });

  it('answers in time are not affected', async () => {
    const cache = createLayerInfoCache(
      { ...silentStore, contains: async () => true, meta: async () => meta },
      { timeoutMs: 1000 },
    );
    expect(await cache.contains(repo, digest)).toBe(true);
    expect(await cache.meta(digest)).toEqual(meta);
  });

  it('calls answered in any order leave the others timed: the silent ones still time out', async () => {
    const answers: ((value: boolean) => void)[] = [];
    const cache = createLayerInfoCache(
      {
        ...silentStore,
        contains: () =>
          new Promise<boolean>((resolve) => {
            answers.push(resolve);
          }),
      },
      { timeoutMs: 80 },
    );
    const pending = Array.from({ length: 9 }, () => rejectionOr(cache.contains(repo, digest)));
    // First, last and middle calls answer; the rest never do.
    for (const i of [0, 8, 4, 3, 5]) answers[i]!(true);
    const outcomes = await Promise.all(pending);
    expect(outcomes.map((o) => (o === true ? 'answered' : isUnavailableError(o)))).toEqual([
      'answered',
      true,
      true,
      'answered',
      'answered',
      'answered',
      true,
      true,
      'answered',
    ]);
  });

  it('releases a settled call at once, not at the next sweep of the timer', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // A deadline far away: the timer does not sweep during the test.
    const cache = createLayerInfoCache(
      { ...silentStore, contains: async () => true },
      { timeoutMs: 60_000 },
    );
    const silent = rejectionOf(cache.meta(digest)); // keeps the timer and the list alive
    let answered: WeakRef<Promise<boolean>> | undefined;
    await (async () => {
      const call = cache.contains(repo, digest);
      answered = new WeakRef(call);
      expect(await call).toBe(true);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(answered?.deref()).toBeUndefined();
    await cache.close();
    void silent;
  });

  it('a synchronous store starts no timer', async () => {
    const started = vi.spyOn(globalThis, 'setInterval');
    const cache = createLayerInfoCache(
      { ...silentStore, contains: () => true, add: () => undefined },
      { timeoutMs: 100 },
    );
    await cache.add(repo, digest);
    expect(await cache.contains(repo, digest)).toBe(true);
    expect(started).not.toHaveBeenCalled();
    started.mockRestore();
  });

  it('an abort still wins over a deadline that has not passed', async () => {
    const cache = createLayerInfoCache(silentStore, { timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = rejectionOf(cache.contains(repo, digest, { signal: controller.signal }));
    const reason = new Error('client went away');
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it.each([
    ['zero', 0],
    ['a string', '200'],
    ['a fraction', 1.5],
    ['beyond setInterval', 2 ** 31],
  ])('refuses %s as timeoutMs', (_, timeoutMs) => {
    let error: unknown;
    try {
      createLayerInfoCache(silentStore, { timeoutMs: timeoutMs as number });
    } catch (thrown) {
      error = thrown;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(error).toMatchObject({ argument: 'timeoutMs' });
  });

  it('refuses an unknown wrapper option with a suggestion', () => {
    expect(() =>
      createLayerInfoCache(silentStore, { timeout: 100 } as unknown as { timeoutMs: number }),
    ).toThrow('createLayerInfoCache: unknown option `timeout`: did you mean `timeoutMs`?');
  });
});
