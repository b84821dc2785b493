import { describe, expect, it } from 'vitest';
import {
  createLayerInfoCache,
  isUnavailableError,
  type LayerCacheEntry,
  type LayerInfoStore,
} from '../src/index.js';

// What core's wrapper adds to the optional capabilities; the conformance suite checks adapters.
const digest = `sha256:${'cd'.repeat(32)}`;

function baseStore(): LayerInfoStore {
  return {
    contains: () => false,
    add() {},
    remove: () => false,
    meta: () => undefined,
    setMeta() {},
    deleteMeta: () => false,
    clear() {},
  };
}

describe('optional capabilities in the wrapper', () => {
  it('a cache over a store without them has neither method', async () => {
    await using cache = createLayerInfoCache(baseStore());
    expect('forgetDigest' in cache).toBe(false);
    expect('entries' in cache).toBe(false);
  });

  it('a failing forgetDigest rejects with UnavailableError carrying the cause', async () => {
    const cause = new Error('disk gone');
    await using cache = createLayerInfoCache(
      {
        ...baseStore(),
        forgetDigest: () => Promise.reject(cause),
      },
      { name: 'test' },
    );
    const error = await cache.forgetDigest!(digest).catch((caught) => caught);
    expect(isUnavailableError(error) && error.cause).toBe(cause);
    expect(error.message).toBe('layercache test: forgetDigest failed: disk gone');
  });

  it('a forgetDigest answering something other than a count is a store failure', async () => {
    await using cache = createLayerInfoCache({
      ...baseStore(),
      forgetDigest: () => -1,
    });
    await expect(cache.forgetDigest!(digest)).rejects.toSatisfy(isUnavailableError);
  });

  it('a listing that fails halfway rejects the pending step with UnavailableError', async () => {
    const cause = new Error('connection reset');
    await using cache = createLayerInfoCache({
      ...baseStore(),
      async *entries() {
        yield { kind: 'membership', repo: 'a', digest };
        throw cause;
      },
    });
    const iterator = cache.entries!();
    expect((await iterator.next()).done).toBe(false);
    const error = await iterator.next().catch((caught) => caught);
    expect(isUnavailableError(error) && error.cause).toBe(cause);
  });

  it("stopping a listing early reaches the store's iterator, so it can release what it holds", async () => {
    let released = false;
    await using cache = createLayerInfoCache({
      ...baseStore(),
      *entries() {
        try {
          for (let i = 0; i < 10; i++) yield { kind: 'membership', repo: 'a', digest };
        } finally {
          released = true;
        }
      },
    });
    for await (const _ of cache.entries!()) break;
    expect(released).toBe(true);
  });

  it('hands out frozen copies, never the objects the store holds', async () => {
    const held: LayerCacheEntry = { kind: 'meta', digest, meta: { path: '/p', length: 1 } };
    await using cache = createLayerInfoCache({ ...baseStore(), entries: () => [held] });
    const { value: entry } = await cache.entries!().next();
    expect(entry).toEqual(held);
    expect(entry).not.toBe(held);
    expect(Object.isFrozen(entry) && entry?.kind === 'meta' && Object.isFrozen(entry.meta)).toBe(
      true,
    );
  });

  it('calling entries() does nothing until the first step', async () => {
    let asked = 0;
    await using cache = createLayerInfoCache({
      ...baseStore(),
      entries: () => {
        asked += 1;
        return [];
      },
    });
    const iterator = cache.entries!();
    expect(asked).toBe(0);
    await iterator.next();
    expect(asked).toBe(1);
  });
});
