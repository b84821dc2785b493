import type { LayerInfoCache } from '@layercache/core';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, NEAR_METRICS } from '../src/index.js';
import {
  checkFrozenLink,
  checkRevocationsAcrossProcesses,
  countingMeter,
  type FreezingProxy,
  startFreezingProxy,
} from './near-helpers.js';
import { type StandaloneRedis, standaloneRedis, uniquePrefix, waitFor } from './servers.js';

const STALENESS = 10;
const digestOf = (index: number) => `sha256:${index.toString(16).padStart(64, '0')}`;

let redis: StandaloneRedis;

beforeAll(async () => {
  redis = await standaloneRedis();
  process.env.LAYERCACHE_TEST_REDIS_URL = redis.url;
}, 30_000);

afterAll(async () => {
  await redis?.stop();
});

describe('near cache across processes', () => {
  it('never answers true maxStalenessMs after another process removed the membership', async () => {
    const prefix = uniquePrefix('near-fleet');
    const metrics = countingMeter();
    const near = createRedisCache({
      url: redis.url,
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      await checkRevocationsAcrossProcesses({
        near,
        metrics,
        env: { NEAR_TEST_URL: redis.url, NEAR_TEST_PREFIX: prefix },
        rounds: 300,
        maxStalenessMs: STALENESS,
        repoOf: () => 'fleet/repo',
        digestOf,
      });
    } finally {
      await near.close();
    }
  }, 60_000);
});

describe('near cache behind a frozen link', () => {
  let proxy: FreezingProxy;
  let direct: Redis;

  beforeAll(async () => {
    proxy = await startFreezingProxy(Number(new URL(redis.url).port));
    direct = new Redis(redis.url);
  });

  afterAll(async () => {
    proxy.resume();
    await direct?.quit();
    await proxy?.close();
  });

  it('stops answering true from the near cache, then recovers after the link resumes', async () => {
    const prefix = uniquePrefix('near-frozen');
    const digest = digestOf(1);
    const metrics = countingMeter();
    const near: LayerInfoCache = createRedisCache({
      url: proxy.url,
      keyPrefix: prefix,
      commandTimeoutMs: 300,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      await near.add('frozen/repo', digest);
      await waitFor(
        async () => {
          const before = metrics.count(NEAR_METRICS.hits);
          await near.contains('frozen/repo', digest);
          return metrics.count(NEAR_METRICS.hits) > before;
        },
        5000,
        'a near hit',
      );
      const key = `${prefix}r:frozen/repo`;
      await checkFrozenLink({
        near,
        repo: 'frozen/repo',
        digest,
        maxStalenessMs: STALENESS,
        freeze: () => proxy.freeze(),
        resume: () => proxy.resume(),
        revoke: () => direct.zrem(key, digest.slice(7)),
        readd: () => direct.zadd(key, '+inf', digest.slice(7)),
      });
    } finally {
      proxy.resume();
      await near.close();
    }
  }, 30_000);
});

describe('near cache and a read that races an invalidation', () => {
  let proxy: FreezingProxy;
  let direct: Redis;

  beforeAll(async () => {
    proxy = await startFreezingProxy(Number(new URL(redis.url).port));
    direct = new Redis(redis.url);
  });

  afterAll(async () => {
    proxy.resume();
    await direct?.quit();
    await proxy?.close();
  });

  it('does not keep a fill whose reply arrived after an invalidation of its key', async () => {
    const prefix = uniquePrefix('near-race');
    const digest = digestOf(2);
    const metrics = countingMeter();
    const near = createRedisCache({
      url: proxy.url,
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
      // The read's reply is held while the test polls Redis twice (the read running, the
      // invalidation): core's deadline must not answer the read first on a loaded machine.
      commandTimeoutMs: 5000,
    });
    try {
      await near.add('race/repo', digest);
      await near.add('race/other', digest);
      await waitFor(
        async () => {
          const before = metrics.count(NEAR_METRICS.hits);
          await near.contains('race/other', digest);
          return metrics.count(NEAR_METRICS.hits) > before;
        },
        5000,
        'a near hit',
      );
      // The subscriber is the connection in Pub/Sub mode; hold the replies of the other one.
      const list = String(await direct.client('LIST'));
      const subscriberPorts = new Set(
        list
          .split('\n')
          .filter((line) => line.includes('sub=1'))
          .map((line) => Number(/addr=[^ ]*:(\d+)/.exec(line)?.[1])),
      );
      const ours = proxy.ports().filter((port) => !subscriberPorts.has(port));
      expect(ours.length).toBe(1);
      proxy.holdReplies((port) => ours.includes(port));
      // Read (runs in Redis now, its reply held), then revoke: the invalidation reaches the
      // subscriber before the read's reply reaches the cache.
      const zscores = async () =>
        Number(/cmdstat_zscore:calls=(\d+)/.exec(String(await direct.info('commandstats')))?.[1]);
      const before = await zscores();
      const read = near.contains('race/repo', digest);
      await waitFor(async () => (await zscores()) > before, 5000, 'the read to run in Redis');
      const invalidations = metrics.count(NEAR_METRICS.invalidations);
      expect(await direct.zrem(`${prefix}r:race/repo`, digest.slice(7))).toBe(1);
      await waitFor(
        () => metrics.count(NEAR_METRICS.invalidations) > invalidations,
        1000,
        'the invalidation',
      );
      proxy.resume();
      // Started before the remove: may answer true, but must not stay in the near cache.
      expect(await read).toBe(true);
      await waitFor(
        async () => {
          const before = metrics.count(NEAR_METRICS.hits);
          await near.contains('race/other', digest);
          return metrics.count(NEAR_METRICS.hits) > before;
        },
        5000,
        'fences completing again',
      );
      expect(await near.contains('race/repo', digest)).toBe(false);
    } finally {
      proxy.resume();
      await near.close();
    }
  }, 30_000);
});

// The whole suite with the near cache on: every answer must stay the model's, and a second
// instance (another client, or another process without a near cache) sees writes within the bound.
describeLayerInfoCache(
  'redis standalone with a near cache',
  ({ storageId, ttlMs }) =>
    createRedisCache({
      url: redis.url,
      keyPrefix: `${storageId}:`,
      ttlMs,
      near: { maxStalenessMs: STALENESS },
    }),
  {
    ttl: true,
    durable: true,
    shared: {
      maxStalenessMs: STALENESS,
      processModule: new URL('./fixtures/shared-cache.mjs', import.meta.url),
    },
  },
);
