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
let sentinel: RedisSentinel;

beforeAll(async () => {
  master = await startRedisServer();
  sentinel = await startRedisSentinel({ master });
}, 30_000);

afterAll(async () => {
  await sentinel?.stop();
  await master?.stop();
});

describe('near cache through Sentinel', () => {
  it('answers from the near cache and sees a remove by another client within the bound', async () => {
    const prefix = uniquePrefix('near-sentinel');
    const d = digest('near-sentinel');
    const metrics = countingMeter();
    const cache = createRedisCache({
      redis: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: sentinel.name },
      keyPrefix: prefix,
      meter: metrics.meter,
      near: { maxStalenessMs: 10 },
    });
    const direct = new Redis(master.url);
    try {
      await cache.add('team/a', d);
      await waitFor(
        async () => {
          const before = metrics.count(NEAR_METRICS.hits);
          await cache.contains('team/a', d);
          return metrics.count(NEAR_METRICS.hits) > before;
        },
        5000,
        'a near hit',
      );
      expect(await direct.zrem(`${prefix}r:team/a`, d.slice('sha256:'.length))).toBe(1);
      await sleep(10);
      expect(await cache.contains('team/a', d)).toBe(false);
    } finally {
      await direct.quit();
      await cache.close();
    }
  });
});
