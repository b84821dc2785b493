import { ErrorCode } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type StandaloneRedis, standaloneRedis, uniquePrefix } from '../servers.js';
import { driver, ownedCache } from './fixture.js';

let redis: StandaloneRedis;
let raw: Redis;

beforeAll(async () => {
  redis = await standaloneRedis();
  raw = new Redis(redis.url);
}, 30_000);

afterAll(async () => {
  await raw?.quit();
  await redis?.stop();
});

const d = digest('layout');
const e = digest('layout-other');
// How a sha256 digest is stored as a sorted-set member: its hex part.
const member = (value: string) => value.slice('sha256:'.length);

describe(`${driver}: the key layout documented in the README`, () => {
  it('stores a membership as a sorted-set member scored by expiry, and a meta as one string', async () => {
    const prefix = uniquePrefix('layout');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    await cache.add('team/app', d);
    await cache.setMeta(d, { path: '/blobs/sha256/ab/data', length: 42 });
    expect(await raw.type(`${prefix}r:team/app`)).toBe('zset');
    expect(await raw.zscore(`${prefix}r:team/app`, member(d))).toBe('inf');
    // 64-byte members keep small repositories in Redis' compact encoding.
    expect(await raw.object('ENCODING', `${prefix}r:team/app`)).toBe('listpack');
    expect(await raw.get(`${prefix}m:${d}`)).toBe('42::/blobs/sha256/ab/data');
    expect(await raw.pttl(`${prefix}r:team/app`)).toBe(-1);
    expect((await raw.keys(`${prefix}*`)).sort()).toEqual([
      `${prefix}m:${d}`,
      `${prefix}r:team/app`,
    ]);
  });

  it('stores other algorithms in full, so they never collide with a sha256 hex member', async () => {
    const prefix = uniquePrefix('algorithms');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    const sha512 = `sha512:${'ab'.repeat(64)}`;
    const blake3 = `blake3:${member(d)}`;
    await cache.add('team/app', sha512);
    await cache.add('team/app', blake3);
    expect((await raw.zrange(`${prefix}r:team/app`, 0, -1)).sort()).toEqual(
      [blake3, sha512].sort(),
    );
    expect(await cache.contains('team/app', d)).toBe(false);
    expect(await cache.contains('team/app', blake3)).toBe(true);
    expect(await cache.remove('team/app', sha512)).toBe(true);
    expect(await cache.contains('team/app', sha512)).toBe(false);
  });

  it.each([
    ['its path', '/2'],
    ['?db=', '/?db=2'],
  ])('writes to the database the URL names in %s, never database 0', async (_form, database) => {
    const prefix = uniquePrefix('database');
    await using cache = ownedCache({ url: `${redis.url}${database}`, keyPrefix: prefix });
    await cache.add('team/app', d);
    const second = new Redis(`${redis.url}/2`);
    try {
      expect(await second.zscore(`${prefix}r:team/app`, member(d))).toBe('inf');
      expect(await raw.exists(`${prefix}r:team/app`)).toBe(0);
    } finally {
      second.disconnect();
    }
  });

  it('uses "layercache:" when no keyPrefix is given', async () => {
    const repo = `lc-default-${process.pid}/x${Math.random().toString(36).slice(2, 8)}`;
    await using cache = ownedCache({ url: redis.url });
    await cache.add(repo, d);
    try {
      expect(await raw.zscore(`layercache:r:${repo}`, member(d))).toBe('inf');
    } finally {
      await cache.remove(repo, d);
    }
  });

  describe('with a TTL', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('scores are expiry times, and the server-side expiry of whole keys is never shorter than the TTL', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const ttlMs = 3_600_000;
      const prefix = uniquePrefix('ttl');
      await using cache = ownedCache({ url: redis.url, keyPrefix: prefix, ttlMs });
      const now = Date.now();
      await cache.add('team/app', d);
      await cache.setMeta(d, { path: '/p', length: 1 });
      expect(Number(await raw.zscore(`${prefix}r:team/app`, member(d)))).toBe(now + ttlMs);
      expect(await raw.get(`${prefix}m:${d}`)).toBe(`1:${now + ttlMs}:/p`);
      expect(await raw.pttl(`${prefix}r:team/app`)).toBeGreaterThan(ttlMs);
      expect(await raw.pttl(`${prefix}m:${d}`)).toBeGreaterThan(ttlMs);
    });

    it('an add trims members that expired long ago, so a busy repository does not grow forever', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const ttlMs = 60_000;
      const prefix = uniquePrefix('trim');
      await using cache = ownedCache({ url: redis.url, keyPrefix: prefix, ttlMs });
      await cache.add('team/app', d);
      vi.setSystemTime(Date.now() + 10 * ttlMs);
      await cache.add('team/app', e);
      expect(await raw.zrange(`${prefix}r:team/app`, 0, -1)).toEqual([member(e)]);
    });
  });
});

describe(`${driver}: key prefixes`, () => {
  it('two caches with different prefixes in one Redis never see or clear each other', async () => {
    // The second prefix starts with the first one: the layout must still keep them apart.
    const base = uniquePrefix('iso');
    await using a = ownedCache({ url: redis.url, keyPrefix: base });
    await using b = ownedCache({ url: redis.url, keyPrefix: `${base}r:` });
    await using c = ownedCache({ url: redis.url, keyPrefix: `${base}m:` });
    await a.add('team/app', d);
    await a.setMeta(d, { path: '/a', length: 1 });
    expect(await b.contains('team/app', d)).toBe(false);
    expect(await c.contains('team/app', d)).toBe(false);
    await expect(b.meta(d)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await b.add('team/app', e);
    await c.add('team/app', e);
    await c.setMeta(d, { path: '/c', length: 3 });
    expect(await a.contains('team/app', e)).toBe(false);
    expect(await a.meta(d)).toEqual({ path: '/a', length: 1 });

    await a.clear();
    expect(await a.contains('team/app', d)).toBe(false);
    expect(await b.contains('team/app', e)).toBe(true);
    expect(await c.contains('team/app', e)).toBe(true);
    expect(await c.meta(d)).toEqual({ path: '/c', length: 3 });

    await b.clear();
    expect(await c.contains('team/app', e)).toBe(true);
  });

  it('clear() leaves keys that merely start with the prefix alone', async () => {
    const prefix = uniquePrefix('foreign');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    await raw.set(`${prefix}session`, 'x');
    await raw.set(`${prefix}r:Not/A/Repo`, 'x');
    await raw.set(`${prefix}m:md5:abc`, 'x');
    await cache.add('team/app', d);
    await cache.clear();
    expect((await raw.keys(`${prefix}*`)).sort()).toEqual(
      [`${prefix}m:md5:abc`, `${prefix}r:Not/A/Repo`, `${prefix}session`].sort(),
    );
    await raw.del(`${prefix}session`, `${prefix}r:Not/A/Repo`, `${prefix}m:md5:abc`);
  });

  it('clear() walks many SCAN pages', async () => {
    const prefix = uniquePrefix('pages');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    await Promise.all(Array.from({ length: 2500 }, (_, i) => cache.add(`team/r${i}`, d)));
    await cache.clear();
    expect(await raw.keys(`${prefix}*`)).toEqual([]);
  });
});

describe(`${driver}: values that are not ours`, () => {
  it('a membership key of the wrong type gives UnavailableError naming the key, never a crash or a wrong answer', async () => {
    const prefix = uniquePrefix('wrongtype');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    // What the Go registry stored (a plain set), or anything written by hand.
    await raw.sadd(`${prefix}r:team/app`, d);
    for (const call of [
      () => cache.contains('team/app', d),
      () => cache.add('team/app', d),
      () => cache.remove('team/app', d),
    ]) {
      const error = await call().then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(error).toMatchObject({ code: ErrorCode.Unavailable });
      expect(error?.message).toContain(`${prefix}r:team/app`);
      expect(error?.message).toMatch(/wrong Redis type/);
    }
    await cache.clear();
    await cache.add('team/app', d);
    expect(await cache.contains('team/app', d)).toBe(true);
  });

  it('a meta key of the wrong type gives UnavailableError; setMeta replaces it', async () => {
    const prefix = uniquePrefix('wrongmeta');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    await raw.hset(`${prefix}m:${d}`, { digest: d, length: '1', mediatype: 'x' });
    await expect(cache.meta(d)).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await expect(cache.deleteMeta(d)).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    await cache.setMeta(d, { path: '/p', length: 5 });
    expect(await cache.meta(d)).toEqual({ path: '/p', length: 5 });
  });

  it('a meta string that does not parse exactly is a miss, never a made-up meta', async () => {
    const prefix = uniquePrefix('garbage');
    await using cache = ownedCache({ url: redis.url, keyPrefix: prefix });
    const garbage = [
      '',
      'hello',
      '12',
      '12:',
      '12::',
      'x1::/p',
      '01::/p',
      '1.5::/p',
      '-1::/p',
      '1:soon:/p',
      `${2 ** 53}::/p`,
      '1::a\0b',
    ];
    for (const value of garbage) {
      await raw.set(`${prefix}m:${d}`, value);
      await expect(cache.meta(d), JSON.stringify(value)).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
    }
    expect(await cache.deleteMeta(d)).toBe(false);
    await raw.set(`${prefix}m:${d}`, 'hello');
    await cache.setMeta(d, { path: '/p', length: 5 });
    expect(await cache.meta(d)).toEqual({ path: '/p', length: 5 });
  });
});
