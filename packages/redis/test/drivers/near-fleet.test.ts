import type { LayerInfoCache } from '@layercache/core';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, NEAR_METRICS } from '../../src/index.js';
import {
  checkFrozenLink,
  checkRevocationsAcrossProcesses,
  countingMeter,
  digestOf,
  type FreezingProxy,
  sleep,
  startFreezingProxy,
  untilNearHit,
} from '../near-helpers.js';
import { type StandaloneRedis, standaloneRedis, uniquePrefix, waitFor } from '../servers.js';
import { driver, type Lent, lendClient, ownedCache } from './fixture.js';

// The staleness bound on this run's client library (fixture.ts): across processes, behind a
// frozen link, and against a read that races an invalidation. `direct` is an ioredis connection
// of the test's own, used only to change Redis behind the caches' backs.

const STALENESS = 10;

let redis: StandaloneRedis;
const lent: Partial<Record<2 | 3, Lent>> = {};

beforeAll(async () => {
  redis = await standaloneRedis();
  process.env.LAYERCACHE_TEST_REDIS_URL = redis.url;
  process.env.LAYERCACHE_TEST_REDIS_DRIVER = driver;
  lent[2] = await lendClient(redis.url, 2);
  lent[3] = await lendClient(redis.url, 3);
}, 30_000);

afterAll(async () => {
  await Promise.all(Object.values(lent).map((client) => client.close()));
  await redis?.stop();
});

/**
 * A freezing proxy in front of this file's server (one per describe: a test counts the proxy's
 * connections) and a direct connection of the test's own.
 */
function behindProxy(): { proxy: FreezingProxy; direct: Redis } {
  const at = {} as { proxy: FreezingProxy; direct: Redis };
  beforeAll(async () => {
    at.proxy = await startFreezingProxy(Number(new URL(redis.url).port));
    at.direct = new Redis(redis.url);
  });
  afterAll(async () => {
    at.proxy?.resume();
    await at.direct?.quit();
    await at.proxy?.close();
  });
  return at;
}

/** The client ports of the connections in Pub/Sub mode (the near caches' subscribers). */
async function subscriberPorts(direct: Redis): Promise<Set<number>> {
  const list = String(await direct.client('LIST'));
  return new Set(
    list
      .split('\n')
      .filter((line) => line.includes('sub=1'))
      .map((line) => Number(/addr=[^ ]*:(\d+)/.exec(line)?.[1])),
  );
}

describe(`${driver}: near cache across processes`, () => {
  it('never answers true maxStalenessMs after another process removed the membership', async () => {
    const prefix = uniquePrefix('near-fleet');
    const metrics = countingMeter();
    const near = ownedCache({
      url: redis.url,
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      await checkRevocationsAcrossProcesses({
        near,
        metrics,
        env: { NEAR_TEST_URL: redis.url, NEAR_TEST_PREFIX: prefix, NEAR_TEST_DRIVER: driver },
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

describe(`${driver}: near cache behind a frozen link`, () => {
  const at = behindProxy();

  it('stops answering true from the near cache, then recovers after the link resumes', async () => {
    const prefix = uniquePrefix('near-frozen');
    const digest = digestOf(1);
    const metrics = countingMeter();
    const near: LayerInfoCache = ownedCache({
      url: at.proxy.url,
      keyPrefix: prefix,
      commandTimeoutMs: 300,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      await near.add('frozen/repo', digest);
      await untilNearHit(metrics.count, () => near.contains('frozen/repo', digest));
      const key = `${prefix}r:frozen/repo`;
      await checkFrozenLink({
        near,
        repo: 'frozen/repo',
        digest,
        maxStalenessMs: STALENESS,
        freeze: () => at.proxy.freeze(),
        resume: () => at.proxy.resume(),
        revoke: () => at.direct.zrem(key, digest.slice(7)),
        readd: () => at.direct.zadd(key, '+inf', digest.slice(7)),
      });
    } finally {
      at.proxy.resume();
      await near.close();
    }
  }, 30_000);

  it('stops answering from the near cache when only the invalidation connection goes silent', async () => {
    const prefix = uniquePrefix('near-silent-subscriber');
    const digest = digestOf(3);
    const metrics = countingMeter();
    const near = ownedCache({
      url: at.proxy.url,
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
    });
    try {
      await near.add('silent/repo', digest);
      await untilNearHit(metrics.count, () => near.contains('silent/repo', digest));
      // The store's connection still answers, so TRACKINGINFO alone would call the link fine:
      // the invalidation below is held on the way to the subscriber, and only the fence's PING
      // on that connection shows it is late.
      const subscribers = await subscriberPorts(at.direct);
      const held = at.proxy.ports().filter((port) => subscribers.has(port));
      expect(held.length).toBe(1);
      at.proxy.holdReplies((port) => held.includes(port));
      expect(await at.direct.zrem(`${prefix}r:silent/repo`, digest.slice(7))).toBe(1);
      await sleep(STALENESS);
      for (let index = 0; index < 20; index += 1) {
        expect(await near.contains('silent/repo', digest), `read ${index}`).toBe(false);
        await sleep(1);
      }
      at.proxy.resume();
      await near.add('silent/repo', digest);
      await untilNearHit(
        metrics.count,
        () => near.contains('silent/repo', digest),
        'near hits again after the link resumed',
      );
    } finally {
      at.proxy.resume();
      await near.close();
    }
  }, 30_000);
});

describe(`${driver}: near cache and a read that races an invalidation`, () => {
  const at = behindProxy();

  it('does not keep a fill whose reply arrived after an invalidation of its key', async () => {
    const prefix = uniquePrefix('near-race');
    const digest = digestOf(2);
    const metrics = countingMeter();
    const options = {
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: STALENESS },
      // The read's reply is held while the test polls Redis twice (the read running, the
      // invalidation): core's deadline must not answer the read first on a loaded machine.
      commandTimeoutMs: 5000,
    };
    // On ioredis, borrowed without auto-pipelining: the read must reach Redis while the reply of
    // a fence sent just before it is held, and an owned ioredis connection sends a batch only
    // once the previous one was answered (or its command timed out). node-redis writes every
    // command at once: its owned connection.
    const client =
      driver === 'ioredis'
        ? await lendClient(at.proxy.url, 2, { autoPipelining: false })
        : undefined;
    const near =
      client === undefined
        ? ownedCache({ url: at.proxy.url, ...options })
        : createRedisCache({ client: client.client, ...options });
    try {
      await near.add('race/repo', digest);
      await near.add('race/other', digest);
      await untilNearHit(metrics.count, () => near.contains('race/other', digest));
      // The subscriber is the connection in Pub/Sub mode; hold the replies of the other one.
      const subscribers = await subscriberPorts(at.direct);
      const ours = at.proxy.ports().filter((port) => !subscribers.has(port));
      expect(ours.length).toBe(1);
      at.proxy.holdReplies((port) => ours.includes(port));
      // Read (runs in Redis now, its reply held), then revoke: the invalidation reaches the
      // subscriber before the read's reply reaches the cache.
      const zscores = async () =>
        Number(
          /cmdstat_zscore:calls=(\d+)/.exec(String(await at.direct.info('commandstats')))?.[1],
        );
      const before = await zscores();
      const read = near.contains('race/repo', digest);
      await waitFor(async () => (await zscores()) > before, 5000, 'the read to run in Redis');
      const invalidations = metrics.count(NEAR_METRICS.invalidations);
      expect(await at.direct.zrem(`${prefix}r:race/repo`, digest.slice(7))).toBe(1);
      await waitFor(
        () => metrics.count(NEAR_METRICS.invalidations) > invalidations,
        1000,
        'the invalidation',
      );
      at.proxy.resume();
      // Started before the remove: may answer true, but must not stay in the near cache.
      expect(await read).toBe(true);
      await untilNearHit(
        metrics.count,
        () => near.contains('race/other', digest),
        'fences completing again',
      );
      expect(await near.contains('race/repo', digest)).toBe(false);
    } finally {
      at.proxy.resume();
      await near.close();
      await client?.close();
    }
  }, 30_000);
});

// The whole suite with the near cache on: every answer must stay the model's, and a second
// instance (another client, or another process without a near cache) sees writes within the bound.
describeLayerInfoCache(
  `${driver}: standalone with a near cache`,
  ({ storageId, ttlMs }) =>
    ownedCache({
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
      processModule: new URL('../fixtures/shared-cache.mjs', import.meta.url),
    },
  },
);

// The same on borrowed clients of each protocol: every cache of a configuration shares the
// client's one tracking link (src/near/index.ts), opened and closed as caches come and go.
for (const resp of [2, 3] as const) {
  describeLayerInfoCache(
    `${driver}: borrowed RESP${resp} client with a near cache`,
    ({ storageId, ttlMs }) =>
      createRedisCache({
        client: lent[resp]!.client,
        keyPrefix: `${storageId}:`,
        ttlMs,
        near: { maxStalenessMs: STALENESS },
      }),
    {
      ttl: true,
      durable: true,
      modelRuns: 20,
      shared: {
        maxStalenessMs: STALENESS,
        processModule: new URL('../fixtures/shared-cache.mjs', import.meta.url),
      },
    },
  );
}
