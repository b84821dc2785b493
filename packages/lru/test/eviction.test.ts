import { digest } from '@layercache/core/conformance';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLruCache, MIN_MAX_SIZE } from '../src/index.js';

const d = (i: number) => digest(`eviction-${i}`);
const meta = (i: number) => ({ path: `/docker/registry/v2/blobs/${i}/data`, length: i });

async function present(
  cache: { contains(repo: string, digest: string): Promise<boolean> },
  repo: string,
  count: number,
): Promise<number[]> {
  const found: number[] = [];
  for (let i = 0; i < count; i++) if (await cache.contains(repo, d(i))) found.push(i);
  return found;
}

describe('eviction by entry count (max)', () => {
  it('keeps the newest max memberships and evicts the oldest first', async () => {
    await using cache = createLruCache({ max: 3 });
    for (let i = 0; i < 5; i++) await cache.add('team/a', d(i));
    expect(cache.stats.memberships).toBe(3);
    expect(await present(cache, 'team/a', 5)).toEqual([2, 3, 4]);
  });

  it('contains refreshes recency: a membership just checked outlives older unchecked ones', async () => {
    await using cache = createLruCache({ max: 3 });
    for (let i = 0; i < 3; i++) await cache.add('team/a', d(i));
    expect(await cache.contains('team/a', d(0))).toBe(true); // 0 is now the most recent
    await cache.add('team/a', d(3)); // evicts 1, the least recently used
    expect(await cache.contains('team/a', d(1))).toBe(false);
    expect(await cache.contains('team/a', d(0))).toBe(true);
    expect(await cache.contains('team/a', d(2))).toBe(true);
  });

  it('adding an existing membership again refreshes its recency', async () => {
    await using cache = createLruCache({ max: 2 });
    await cache.add('team/a', d(0));
    await cache.add('team/a', d(1));
    await cache.add('team/a', d(0));
    await cache.add('team/a', d(2)); // evicts 1
    expect(await present(cache, 'team/a', 3)).toEqual([0, 2]);
  });

  it('a contains miss does not disturb the order', async () => {
    await using cache = createLruCache({ max: 2 });
    await cache.add('team/a', d(0));
    await cache.add('team/a', d(1));
    expect(await cache.contains('team/b', d(0))).toBe(false);
    await cache.add('team/a', d(2));
    expect(await present(cache, 'team/a', 3)).toEqual([1, 2]);
  });

  it('meta reads refresh meta recency; metas are evicted least recently used first', async () => {
    await using cache = createLruCache({ max: 2 });
    await cache.setMeta(d(0), meta(0));
    await cache.setMeta(d(1), meta(1));
    await cache.meta(d(0));
    await cache.setMeta(d(2), meta(2)); // evicts 1
    await expect(cache.meta(d(1))).rejects.toMatchObject({ code: 'ERR_LAYERCACHE_NOT_FOUND' });
    expect(await cache.meta(d(0))).toEqual(meta(0));
    expect(await cache.meta(d(2))).toEqual(meta(2));
    expect(cache.stats.metas).toBe(2);
  });

  it('a burst of memberships never evicts metas, nor a burst of metas memberships', async () => {
    await using cache = createLruCache({ max: 10 });
    await cache.add('team/kept', d(0));
    await cache.setMeta(d(0), meta(0));
    for (let i = 1; i <= 100; i++) await cache.add(`team/burst-${i}`, d(i));
    expect(await cache.meta(d(0))).toEqual(meta(0));
    await cache.add('team/kept', d(0));
    for (let i = 1; i <= 100; i++) await cache.setMeta(d(i), meta(i));
    expect(await cache.contains('team/kept', d(0))).toBe(true);
  });

  it('an evicted membership does not come back through writes to other repositories or to the meta', async () => {
    await using cache = createLruCache({ max: 2 });
    await cache.add('team/a', d(0));
    await cache.add('team/b', d(1));
    await cache.add('team/b', d(2)); // evicts team/a ∋ d0
    await cache.add('team/b', d(0));
    await cache.add('team/c', d(0));
    await cache.setMeta(d(0), meta(0));
    expect(await cache.contains('team/a', d(0))).toBe(false);
    expect(await cache.remove('team/a', d(0)), 'an evicted membership was not there').toBe(false);
  });

  it('an evicted membership can be added again', async () => {
    await using cache = createLruCache({ max: 1 });
    await cache.add('team/a', d(0));
    await cache.add('team/a', d(1));
    expect(await cache.contains('team/a', d(0))).toBe(false);
    await cache.add('team/a', d(0));
    expect(await cache.contains('team/a', d(0))).toBe(true);
    expect(await cache.contains('team/a', d(1))).toBe(false);
  });
});

describe('eviction by approximate bytes (maxSize)', () => {
  it('keeps memberships within half of maxSize, evicting the oldest first', async () => {
    await using cache = createLruCache({ max: Infinity, maxSize: MIN_MAX_SIZE });
    const count = 1000; // ~250 bytes each: far more than 32 KiB
    for (let i = 0; i < count; i++) await cache.add('library/alpine', d(i));
    const { memberships, membershipBytes } = cache.stats;
    expect(membershipBytes).toBeLessThanOrEqual(MIN_MAX_SIZE / 2);
    expect(memberships).toBeGreaterThan(50);
    expect(memberships).toBeLessThan(count);
    const kept = await present(cache, 'library/alpine', count);
    expect(kept).toEqual(Array.from({ length: memberships }, (_, k) => count - memberships + k));
  });

  it('charges long repository names and long paths more than short ones', async () => {
    await using short = createLruCache();
    await using long = createLruCache();
    await short.add('a', d(0));
    await long.add(`${'a'.repeat(200)}/b`, d(0));
    expect(long.stats.membershipBytes - short.stats.membershipBytes).toBe(201);
    await short.setMeta(d(0), { path: '/p', length: 1 });
    await long.setMeta(d(0), { path: `/${'p'.repeat(1000)}`, length: 1 });
    expect(long.stats.metaBytes - short.stats.metaBytes).toBe(999);
  });

  it('charges a path with a character past U+00FF two bytes per character, as V8 stores it', async () => {
    await using latin1 = createLruCache();
    await using wide = createLruCache();
    await latin1.setMeta(d(0), { path: `/${'é'.repeat(999)}`, length: 1 });
    await wide.setMeta(d(0), { path: `/${'é'.repeat(998)}層`, length: 1 });
    expect(wide.stats.metaBytes - latin1.stats.metaBytes).toBe(1000);
  });

  it('evicts metas by the size of their paths, and never memberships for them', async () => {
    await using cache = createLruCache({ max: Infinity, maxSize: MIN_MAX_SIZE });
    await cache.add('team/a', d(0));
    const longPath = `/${'x'.repeat(4000)}`;
    for (let i = 0; i < 20; i++) await cache.setMeta(d(i), { path: longPath, length: i });
    const { metas, metaBytes } = cache.stats;
    expect(metaBytes).toBeLessThanOrEqual(MIN_MAX_SIZE / 2);
    expect(metas).toBe(Math.floor(MIN_MAX_SIZE / 2 / (metaBytes / metas)));
    await expect(cache.meta(d(0))).rejects.toMatchObject({ code: 'ERR_LAYERCACHE_NOT_FOUND' });
    expect(await cache.meta(d(19))).toEqual({ path: longPath, length: 19 });
    expect(await cache.contains('team/a', d(0))).toBe(true);
  });

  it('the longest valid meta fits even at the smallest maxSize', async () => {
    await using cache = createLruCache({ max: Infinity, maxSize: MIN_MAX_SIZE });
    const longest = { path: '層'.repeat(1365), length: 1 }; // 4095 UTF-8 bytes, 2730 heap bytes
    const widest = { path: `${'p'.repeat(4093)}層`, length: 2 }; // 4096 UTF-8 bytes, 8188 heap bytes
    await cache.setMeta(d(0), longest);
    await cache.setMeta(d(1), widest);
    expect(await cache.meta(d(0))).toEqual(longest);
    expect(await cache.meta(d(1))).toEqual(widest);
  });
});

describe('stats', () => {
  it('counts each kind and its approximate bytes, and drops to zero on clear and close', async () => {
    const cache = createLruCache();
    await cache.add('team/a', d(0));
    await cache.add('team/b', d(0));
    await cache.setMeta(d(0), meta(0));
    const stats = cache.stats;
    expect(stats).toMatchObject({ memberships: 2, metas: 1 });
    expect(stats.membershipBytes).toBeGreaterThan(2 * d(0).length);
    expect(stats.metaBytes).toBeGreaterThan(d(0).length + meta(0).path.length);
    expect(stats.bytes).toBe(stats.membershipBytes + stats.metaBytes);
    await cache.remove('team/a', d(0));
    expect(cache.stats.memberships).toBe(1);
    await cache.clear();
    expect(cache.stats).toEqual({
      memberships: 0,
      metas: 0,
      membershipBytes: 0,
      metaBytes: 0,
      bytes: 0,
    });
    await cache.add('team/a', d(0));
    await cache.close();
    expect(cache.stats.bytes).toBe(0);
  });
});

describe('TTL on a moved Date clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires entries even when the clock stands at the epoch (lru-cache reads a start of 0 as "no TTL")', async () => {
    vi.setSystemTime(0);
    await using cache = createLruCache({ ttlMs: 1000 });
    await cache.add('team/a', d(0));
    await cache.setMeta(d(0), meta(0));
    vi.setSystemTime(1001);
    expect(await cache.contains('team/a', d(0))).toBe(false);
    await expect(cache.meta(d(0))).rejects.toMatchObject({ code: 'ERR_LAYERCACHE_NOT_FOUND' });
  });

  it('sees a moved clock at once (no time cached in between)', async () => {
    vi.setSystemTime(1_000_000);
    await using cache = createLruCache({ ttlMs: 1000 });
    await cache.add('team/a', d(0));
    expect(await cache.contains('team/a', d(0))).toBe(true);
    vi.setSystemTime(1_001_001);
    expect(await cache.contains('team/a', d(0))).toBe(false);
  });

  it('remove and deleteMeta of an expired entry resolve false, and stats drop it', async () => {
    vi.setSystemTime(1_000_000);
    await using cache = createLruCache({ ttlMs: 1000 });
    await cache.add('team/a', d(0));
    await cache.setMeta(d(0), meta(0));
    vi.setSystemTime(1_002_000);
    expect(cache.stats).toMatchObject({ memberships: 1, metas: 1 }); // counted until touched
    expect(await cache.remove('team/a', d(0))).toBe(false);
    expect(await cache.deleteMeta(d(0))).toBe(false);
    expect(cache.stats).toMatchObject({ memberships: 0, metas: 0, bytes: 0 });
  });
});
