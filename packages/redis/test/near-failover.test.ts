import { digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, NEAR_METRICS } from '../src/index.js';
import {
  type RedisSentinel,
  type RedisServer,
  startRedisSentinel,
  startRedisServer,
} from '../src/testing/index.js';
import { countingMeter, sleep } from './near-helpers.js';
import { uniquePrefix, waitFor } from './servers.js';

let master: RedisServer;
let replica: RedisServer;
let sentinel: RedisSentinel;

beforeAll(async () => {
  master = await startRedisServer();
  replica = await startRedisServer({ args: ['--replicaof', master.host, String(master.port)] });
  sentinel = await startRedisSentinel({ master, downAfterMs: 500 });
}, 30_000);

afterAll(async () => {
  await sentinel?.stop();
  await replica?.stop();
  await master?.stop();
});

const STALENESS = 10;

describe('near cache across a Sentinel failover', () => {
  it('serves nothing from before the failover and tracks the new master', async () => {
    const prefix = uniquePrefix('near-failover');
    const d = digest('near-failover');
    const key = `${prefix}r:team/a`;
    const metrics = countingMeter();
    const hit = async () => {
      const before = metrics.count(NEAR_METRICS.hits);
      const answer = await cache.contains('team/a', d).catch(() => undefined);
      return answer === true && metrics.count(NEAR_METRICS.hits) > before;
    };
    const cache = createRedisCache({
      redis: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: sentinel.name },
      keyPrefix: prefix,
      meter: metrics.meter,
      commandTimeoutMs: 500,
      near: { maxStalenessMs: STALENESS },
    });
    const promoted = new Redis(replica.url);
    try {
      await cache.add('team/a', d);
      await waitFor(
        async () => (await promoted.zscore(key, d.slice(7))) !== null,
        20_000,
        'replication',
      );
      await waitFor(hit, 5000, 'a near hit before the failover');
      const flushes = metrics.count(NEAR_METRICS.flushes);
      await master.kill('SIGKILL');
      await waitFor(
        async () => String(await promoted.info('replication')).includes('role:master'),
        20_000,
        'the replica promoted',
      );
      // The old master's connections are gone: the near cache was flushed.
      expect(metrics.count(NEAR_METRICS.flushes)).toBeGreaterThan(flushes);
      await waitFor(hit, 20_000, 'a near hit on the new master');
      expect(await promoted.zrem(key, d.slice(7))).toBe(1);
      await sleep(STALENESS);
      expect(await cache.contains('team/a', d)).toBe(false);
    } finally {
      await promoted.quit();
      await cache.close();
    }
  }, 60_000);
});
