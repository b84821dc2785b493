import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LayerMeta } from '@layercache/core';
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../src/index.js';

// What is specific to the Map adapter. The contract itself is checked by the conformance suite.

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const meta: LayerMeta = { path: '/docker/registry/v2/blobs/sha256/00/00/data', length: 42 };

/** A full, synchronous garbage collection, so heap sizes can be compared. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('createMemoryCache', () => {
  it('gives each cache its own maps: two caches share nothing', async () => {
    await using first = createMemoryCache();
    await using second = createMemoryCache();
    await first.add('library/alpine', digest(1));
    await first.setMeta(digest(1), meta);
    expect(await second.contains('library/alpine', digest(1))).toBe(false);
    await expect(second.meta(digest(1))).rejects.toMatchObject({
      code: 'ERR_LAYERCACHE_NOT_FOUND',
    });
    await second.clear();
    expect(await first.contains('library/alpine', digest(1))).toBe(true);
  });

  it('keeps the other digests of a repository when one is removed', async () => {
    await using cache = createMemoryCache();
    await cache.add('library/alpine', digest(1));
    await cache.add('library/alpine', digest(2));
    expect(await cache.remove('library/alpine', digest(1))).toBe(true);
    expect(await cache.contains('library/alpine', digest(2))).toBe(true);
  });

  it('takes new digests for a repository after its last one was removed', async () => {
    await using cache = createMemoryCache();
    await cache.add('library/alpine', digest(1));
    expect(await cache.remove('library/alpine', digest(1))).toBe(true);
    expect(await cache.remove('library/alpine', digest(1))).toBe(false);
    await cache.add('library/alpine', digest(2));
    expect(await cache.contains('library/alpine', digest(2))).toBe(true);
    expect(await cache.contains('library/alpine', digest(1))).toBe(false);
  });

  it('frees a repository once its last digest is removed, so churning repositories does not grow memory', async () => {
    await using cache = createMemoryCache();
    const count = 50_000;
    // The names stay alive through all three measurements, so only the cache's own entries count.
    const names = Array.from({ length: count }, (_, i) => `churn/team-${i % 97}/repo-${i}`);
    const before = heapUsed();
    for (const name of names) await cache.add(name, digest(1));
    const filled = heapUsed();
    for (const name of names) await cache.remove(name, digest(1));
    const emptied = heapUsed();
    const held = filled - before;
    // Sanity: 50k repositories with a set each take megabytes, or this test proves nothing.
    expect(held).toBeGreaterThan(2 * 1024 * 1024);
    expect(emptied - before).toBeLessThan(held / 5);
  });

  it('hands out metas that cannot be modified to change what the cache holds', async () => {
    await using cache = createMemoryCache();
    await cache.setMeta(digest(1), meta);
    const first = await cache.meta(digest(1));
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { length: number }).length = 0;
    }).toThrow(TypeError);
    expect(await cache.meta(digest(1))).toEqual(meta);
  });

  it('keeps what was stored when the caller later changes the object it passed', async () => {
    await using cache = createMemoryCache();
    const input = { path: '/a', length: 1 };
    await cache.setMeta(digest(1), input);
    input.path = '/b';
    input.length = 2;
    expect(await cache.meta(digest(1))).toEqual({ path: '/a', length: 1 });
  });

  it('applies calls in the order they were made, even when the caller does not await between them', async () => {
    await using cache = createMemoryCache();
    const answers = await Promise.all([
      cache.contains('library/alpine', digest(1)),
      cache.add('library/alpine', digest(1)),
      cache.contains('library/alpine', digest(1)),
      cache.remove('library/alpine', digest(1)),
      cache.contains('library/alpine', digest(1)),
    ]);
    expect(answers).toEqual([false, undefined, true, true, false]);
  });

  it('holds and answers 100k memberships across 10k repositories', async () => {
    await using cache = createMemoryCache();
    for (let i = 0; i < 100_000; i++) await cache.add(`org/repo-${i % 10_000}`, digest(i));
    expect(await cache.contains('org/repo-1234', digest(41_234))).toBe(true);
    expect(await cache.contains('org/repo-1235', digest(41_234))).toBe(false);
    await cache.clear();
    expect(await cache.contains('org/repo-1234', digest(41_234))).toBe(false);
  });
});

describe('createMemoryCache options', () => {
  it('refuses an unknown option with an InvalidArgumentError naming it', () => {
    expect(() => createMemoryCache({ max: 10 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_LAYERCACHE_INVALID_ARGUMENT', argument: 'max' }),
    );
  });

  it('refuses a meter that is not an OpenTelemetry Meter, and accepts one that is', async () => {
    expect(() => createMemoryCache({ meter: {} as never })).toThrow(
      expect.objectContaining({ code: 'ERR_LAYERCACHE_INVALID_ARGUMENT', argument: 'meter' }),
    );
    const recorded: string[] = [];
    const instrument = (name: string) => ({
      add: () => recorded.push(name),
      record: () => recorded.push(name),
    });
    const meter = { createCounter: instrument, createHistogram: instrument };
    await using cache = createMemoryCache({ meter: meter as never });
    await cache.add('team/app', digest(1));
    expect(recorded.length).toBeGreaterThan(0);
  });
});
