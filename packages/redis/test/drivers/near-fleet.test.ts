import { type ChildProcess, fork } from 'node:child_process';
import { isUnavailableError, type LayerInfoCache } from '@layercache/core';
import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, NEAR_METRICS } from '../../src/index.js';
import {
  countingMeter,
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
const digestOf = (index: number) => `sha256:${index.toString(16).padStart(64, '0')}`;

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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
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
    const child: ChildProcess = fork(new URL('../fixtures/revoker.mjs', import.meta.url), {
      env: {
        ...process.env,
        NEAR_TEST_URL: redis.url,
        NEAR_TEST_PREFIX: prefix,
        NEAR_TEST_DRIVER: driver,
      },
    });
    const replies: unknown[] = [];
    let wake: (() => void) | undefined;
    child.on('message', (message) => {
      replies.push(message);
      wake?.();
    });
    const next = async () => {
      while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return replies.shift();
    };
    try {
      expect(await next()).toBe('ready');
      const rounds = 300;
      for (let index = 0; index < rounds; index += 1) await near.add('fleet/repo', digestOf(index));
      // Every membership is held in the near cache before it is revoked.
      await untilNearHit(metrics.count, () => near.contains('fleet/repo', digestOf(0)));
      const latencies: number[] = [];
      let nearHitsBeforeRemove = 0;
      for (let index = 0; index < rounds; index += 1) {
        const digest = digestOf(index);
        const hitsBefore = metrics.count(NEAR_METRICS.hits);
        expect(await near.contains('fleet/repo', digest)).toBe(true);
        expect(await near.contains('fleet/repo', digest)).toBe(true);
        if (metrics.count(NEAR_METRICS.hits) > hitsBefore) nearHitsBeforeRemove += 1;
        child.send({ repo: 'fleet/repo', digest });
        expect(await next()).toEqual({ removed: true });
        const resolved = performance.now();
        // Revocation latency: how soon after the remove resolved this process answers false.
        // Each poll yields to the event loop, as a server between requests would: a loop of
        // in-process hits alone would keep the invalidation from being read.
        while (await near.contains('fleet/repo', digest)) {
          expect(performance.now() - resolved, `round ${index}`).toBeLessThan(STALENESS);
          await new Promise((resolve) => setImmediate(resolve));
        }
        latencies.push(performance.now() - resolved);
        const wait = resolved + STALENESS - performance.now();
        if (wait > 0) await sleep(wait);
        expect(await near.contains('fleet/repo', digest), `round ${index}`).toBe(false);
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `near revocation latency over ${rounds} removes: p50 ${percentile(latencies, 50).toFixed(3)} ms, ` +
          `p99 ${percentile(latencies, 99).toFixed(3)} ms, max ${latencies.at(-1)!.toFixed(3)} ms; ` +
          `${nearHitsBeforeRemove} of ${rounds} memberships were near hits before their remove`,
      );
      // The check above means something only if the revoked memberships were held in process.
      expect(nearHitsBeforeRemove).toBeGreaterThan(rounds / 2);
    } finally {
      child.send('stop');
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
      at.proxy.freeze();
      expect(await at.direct.zrem(`${prefix}r:frozen/repo`, digest.slice(7))).toBe(1);
      await sleep(STALENESS);
      const answer = await near.contains('frozen/repo', digest).then(
        (value) => value,
        (error: unknown) => error,
      );
      expect(isUnavailableError(answer), String(answer)).toBe(true);
      at.proxy.resume();
      await waitFor(
        () =>
          near.contains('frozen/repo', digest).then(
            (value) => value === false,
            () => false,
          ),
        5000,
        'a right answer after the link resumed',
      );
      await at.direct.zadd(`${prefix}r:frozen/repo`, '+inf', digest.slice(7));
      await waitFor(
        () => near.contains('frozen/repo', digest).catch(() => false),
        5000,
        'the re-added membership',
      );
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
    const near = ownedCache({
      url: at.proxy.url,
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
