import { readFileSync } from 'node:fs';
import type { LayerInfoCache } from '@layercache/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisCache, NEAR_METRICS } from '../../src/index.js';
import { sendRedisCommand, startRedisServer } from '../../src/testing/index.js';
import { countingMeter, sleep, untilNearHit } from '../near-helpers.js';
import { type StandaloneRedis, standaloneRedis, uniquePrefix, waitFor } from '../servers.js';
import { driver, lendClient, ownedCache } from './fixture.js';

// The near cache's behaviour on this run's client library (fixture.ts). `direct` is an ioredis
// connection of the test's own, used only to look at and change Redis behind the caches' backs.

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;
const META = { path: '/blobs/a', length: 42 };
const STALENESS = 20;

let redis: StandaloneRedis;
let direct: Redis;
const opened: LayerInfoCache[] = [];

beforeAll(async () => {
  redis = await standaloneRedis();
  direct = new Redis(redis.url);
}, 30_000);

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

afterAll(async () => {
  await direct?.quit();
  await redis?.stop();
});

function open(keyPrefix: string, near?: object, extra: object = {}) {
  const metrics = countingMeter();
  const cache = ownedCache({
    url: redis.url,
    keyPrefix,
    meter: metrics.meter,
    ...(near === undefined ? {} : { near }),
    ...extra,
  });
  opened.push(cache);
  return { cache, hits: () => metrics.count(NEAR_METRICS.hits), metrics };
}

const warm = (near: ReturnType<typeof open>, read: () => Promise<unknown>) =>
  untilNearHit(near.metrics.count, read);

describe(`${driver}: near cache`, () => {
  it('answers a repeated contains in process', async () => {
    const prefix = uniquePrefix('near-hit');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    const before = near.hits();
    for (let index = 0; index < 100; index += 1) {
      expect(await near.cache.contains('lib/a', DIGEST)).toBe(true);
    }
    // Fences run every few milliseconds; all but a handful of the 100 reads are hits.
    expect(near.hits() - before).toBeGreaterThan(90);
  });

  it('holds no misses: a membership added by another client is seen at once', async () => {
    const prefix = uniquePrefix('near-miss');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    const other = open(prefix);
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    expect(await near.cache.contains('lib/a', OTHER)).toBe(false);
    await other.cache.add('lib/a', OTHER);
    expect(await near.cache.contains('lib/a', OTHER)).toBe(true);
  });

  it('sees a remove by another client within maxStalenessMs', async () => {
    const prefix = uniquePrefix('near-remote');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    const other = open(prefix);
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    expect(await other.cache.remove('lib/a', DIGEST)).toBe(true);
    await sleep(STALENESS);
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
    expect(near.metrics.count(NEAR_METRICS.invalidations)).toBeGreaterThan(0);
  });

  it('sees its own remove at once', async () => {
    const prefix = uniquePrefix('near-own');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    await near.cache.remove('lib/a', DIGEST);
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
  });

  it('sees its own setMeta, deleteMeta and clear at once', async () => {
    const prefix = uniquePrefix('near-meta');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.setMeta(DIGEST, META);
    await warm(near, () => near.cache.meta(DIGEST));
    await near.cache.setMeta(DIGEST, { path: '/blobs/new', length: 7 });
    expect(await near.cache.meta(DIGEST)).toEqual({ path: '/blobs/new', length: 7 });
    await warm(near, () => near.cache.meta(DIGEST));
    expect(await near.cache.deleteMeta(DIGEST)).toBe(true);
    await expect(near.cache.meta(DIGEST)).rejects.toMatchObject({
      code: 'ERR_LAYERCACHE_NOT_FOUND',
    });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    await near.cache.clear();
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
  });

  it('sees a meta overwritten by another client within maxStalenessMs', async () => {
    const prefix = uniquePrefix('near-meta-remote');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    const other = open(prefix);
    await near.cache.setMeta(DIGEST, META);
    await warm(near, () => near.cache.meta(DIGEST));
    await other.cache.setMeta(DIGEST, { path: '/blobs/other', length: 1 });
    await sleep(STALENESS);
    expect(await near.cache.meta(DIGEST)).toEqual({ path: '/blobs/other', length: 1 });
  });

  it('holds at most max entries', async () => {
    const prefix = uniquePrefix('near-max');
    const near = open(prefix, { max: 2, maxStalenessMs: STALENESS });
    const repos = ['lib/a', 'lib/b', 'lib/c'];
    for (const repo of repos) await near.cache.add(repo, DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    for (const repo of repos) await near.cache.contains(repo, DIGEST);
    // Three memberships were read, two may be held: a second pass finds at most two.
    const before = near.hits();
    for (const repo of repos) expect(await near.cache.contains(repo, DIGEST)).toBe(true);
    expect(near.hits() - before).toBeGreaterThanOrEqual(1);
    expect(near.hits() - before).toBeLessThanOrEqual(2);
  });

  it('expires a near entry when its TTL runs out, by Date.now()', async () => {
    const prefix = uniquePrefix('near-ttl');
    const near = open(prefix, { maxStalenessMs: STALENESS }, { ttlMs: 60_000 });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_001);
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
  });

  it('flushes when the invalidation connection is killed, and recovers', async () => {
    const prefix = uniquePrefix('near-kill');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    // Kill every connection but ours: the near cache's subscriber and its store connection.
    const list = String(await direct.client('LIST'));
    const self = Number(await direct.client('ID'));
    for (const line of list.split('\n')) {
      const id = Number(/id=(\d+)/.exec(line)?.[1]);
      if (line.includes('sub=1') && id !== self) await direct.client('KILL', 'ID', String(id));
    }
    await sleep(STALENESS);
    await direct.zrem(`${prefix}r:lib/a`, DIGEST.slice('sha256:'.length));
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
    expect(near.metrics.count(NEAR_METRICS.flushes)).toBeGreaterThan(0);
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
  });

  it('sets tracking up once Redis comes up, for a cache opened while it was down', async () => {
    const server = await startRedisServer();
    await server.kill();
    const metrics = countingMeter();
    const cache = ownedCache({
      url: server.url,
      keyPrefix: uniquePrefix('near-late'),
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      // Neither connection can be made: the link retries with a back-off (up to 5 s).
      await sleep(300);
      await server.restart();
      await waitFor(
        () =>
          cache.add('lib/a', DIGEST).then(
            () => true,
            () => false,
          ),
        10_000,
        'Redis',
      );
      await untilNearHit(
        metrics.count,
        () => cache.contains('lib/a', DIGEST),
        'a near hit once Redis is up',
        15_000,
      );
    } finally {
      await cache.close();
      await server.stop();
    }
  }, 30_000);

  it('flushes when its own connection is killed (tracking lost), and recovers', async () => {
    const prefix = uniquePrefix('near-kill-own');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    // The connection with tracking on (flag t) is the one the store reads on.
    const list = String(await direct.client('LIST'));
    const tracked = list.split('\n').filter((line) => /flags=\S*t/.test(line));
    expect(tracked.length).toBe(1);
    await direct.client('KILL', 'ID', /id=(\d+)/.exec(tracked[0]!)![1]!);
    await direct.zrem(`${prefix}r:lib/a`, DIGEST.slice('sha256:'.length));
    await waitFor(
      () =>
        near.cache.contains('lib/a', DIGEST).then(
          (value) => value === false,
          () => false,
        ),
      5000,
      'false after the reconnect',
    );
    expect(near.metrics.count(NEAR_METRICS.flushes)).toBeGreaterThan(0);
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
  });

  for (const resp of [2, 3] as const) {
    it(`answers in process on a borrowed RESP${resp} client, and sees another's remove`, async () => {
      // ioredis 5 ignores RESP3 (RESP2, as every other test here); the others speak it.
      const lent = await lendClient(redis.url, resp);
      try {
        const metrics = countingMeter();
        const prefix = uniquePrefix(`near-resp${resp}`);
        const cache = createRedisCache({
          client: lent.client,
          keyPrefix: prefix,
          meter: metrics.meter,
          near: {},
        });
        opened.push(cache);
        await cache.add('lib/a', DIGEST);
        await untilNearHit(metrics.count, () => cache.contains('lib/a', DIGEST));
        await direct.zrem(`${prefix}r:lib/a`, DIGEST.slice('sha256:'.length));
        await sleep(STALENESS);
        expect(await cache.contains('lib/a', DIGEST)).toBe(false);
        await Promise.all(opened.splice(0).map((open) => open.close()));
      } finally {
        await lent.close();
      }
    });
  }

  it('keeps two near caches on one borrowed client correct', async () => {
    const lent = await lendClient(redis.url);
    const client = lent.client;
    try {
      const prefixA = uniquePrefix('near-borrowed-a');
      const prefixB = uniquePrefix('near-borrowed-b');
      const metricsA = countingMeter();
      const metricsB = countingMeter();
      const a = createRedisCache({ client, keyPrefix: prefixA, meter: metricsA.meter, near: {} });
      const b = createRedisCache({ client, keyPrefix: prefixB, meter: metricsB.meter, near: {} });
      opened.push(a, b);
      await a.add('lib/a', DIGEST);
      await b.add('lib/a', DIGEST);
      for (const [cache, metrics] of [
        [a, metricsA],
        [b, metricsB],
      ] as const) {
        await untilNearHit(metrics.count, () => cache.contains('lib/a', DIGEST));
      }
      await direct.zrem(`${prefixA}r:lib/a`, DIGEST.slice('sha256:'.length));
      await direct.zrem(`${prefixB}r:lib/a`, DIGEST.slice('sha256:'.length));
      await sleep(STALENESS * 2);
      expect(await a.contains('lib/a', DIGEST)).toBe(false);
      expect(await b.contains('lib/a', DIGEST)).toBe(false);
      // Neither cache's set-up undid the other's: both still get near hits.
      await a.add('lib/a', DIGEST);
      await b.add('lib/a', DIGEST);
      await a.contains('lib/a', DIGEST);
      await b.contains('lib/a', DIGEST);
      const hitsA = metricsA.count(NEAR_METRICS.hits);
      const hitsB = metricsB.count(NEAR_METRICS.hits);
      await waitFor(
        async () => {
          await a.contains('lib/a', DIGEST);
          await b.contains('lib/a', DIGEST);
          return (
            metricsA.count(NEAR_METRICS.hits) > hitsA && metricsB.count(NEAR_METRICS.hits) > hitsB
          );
        },
        5000,
        'near hits on both caches',
      );
      await Promise.all(opened.splice(0).map((cache) => cache.close()));
      // Closing both caches turned tracking off on the borrowed client (no connection has the
      // tracking flag t) and left it open.
      const list = String(await direct.client('LIST'));
      expect(list.split('\n').filter((line) => /flags=\S*t/.test(line))).toEqual([]);
      const plain = createRedisCache({ client, keyPrefix: prefixA });
      expect(await plain.contains('lib/a', DIGEST)).toBe(true);
      await plain.close();
    } finally {
      await lent.close();
    }
  });

  it.skipIf(process.env.REDIS_URL)('drops every near entry on FLUSHALL', async () => {
    const prefix = uniquePrefix('near-flushall');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    // The server is this file's own (REDIS_URL unset), so flushing it touches nobody else.
    await direct.flushall();
    await sleep(STALENESS);
    expect(await near.cache.contains('lib/a', DIGEST)).toBe(false);
  });

  it('sends no fences while idle', async () => {
    const prefix = uniquePrefix('near-idle');
    const near = open(prefix, { maxStalenessMs: STALENESS });
    await near.cache.add('lib/a', DIGEST);
    await warm(near, () => near.cache.contains('lib/a', DIGEST));
    const pings = async () =>
      Number(/cmdstat_ping:calls=(\d+)/.exec(String(await direct.info('commandstats')))?.[1] ?? 0);
    await sleep(1500);
    const before = await pings();
    await sleep(300);
    expect(await pings()).toBe(before);
  });
});

describe(`${driver}: near cache under the README ACL`, () => {
  // The README's ACL line and what its near cache section says to add, as a user would copy them.
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const line = /^ACL SETUSER registry (.+)$/m.exec(readme)?.[1];
  const extra = /Under an ACL add `([^`]+)` to the line above/.exec(
    readme.replace(/\n/g, ' '),
  )?.[1];

  it('answers from the near cache, sees a remove, and Redis logs no denial', async () => {
    if (line === undefined || extra === undefined) throw new Error('README.md lost its ACL lines');
    const password = 'acl-near-Pa55';
    const rules = `${line} ${extra}`.replace('>PASSWORD', `>${password}`).split(' ');
    const server = await startRedisServer({ args: ['--user', 'registry', ...rules] });
    const url = `redis://registry:${password}@${server.host}:${server.port}`;
    const metrics = countingMeter();
    const near = ownedCache({ url, meter: metrics.meter, near: { maxStalenessMs: STALENESS } });
    const other = ownedCache({ url });
    try {
      await near.add('lib/a', DIGEST);
      await untilNearHit(metrics.count, () => near.contains('lib/a', DIGEST));
      expect(await other.remove('lib/a', DIGEST)).toBe(true);
      await sleep(STALENESS);
      expect(await near.contains('lib/a', DIGEST)).toBe(false);
      const log = (await sendRedisCommand(server.host, server.port, ['ACL', 'LOG'])) as unknown[][];
      expect(log.map((entry) => String(entry[entry.indexOf('object') + 1]))).toEqual([]);
    } finally {
      await Promise.all([near.close(), other.close()]);
      await server.stop();
    }
  });
});
