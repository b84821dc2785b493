import { describeLayerInfoCache, digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import {
  type RedisSentinel,
  type RedisServer,
  startRedisSentinel,
  startRedisServer,
} from '../src/testing/index.js';

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

const sentinelOptions = () => ({
  sentinels: [{ host: sentinel.host, port: sentinel.port }],
  name: sentinel.name,
});

describeLayerInfoCache(
  'redis through Sentinel',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({ redis: sentinelOptions(), keyPrefix: `${storageId}:`, ttlMs, meter }),
  { ttl: true, durable: true, shared: true, metrics: true, modelRuns: 20 },
);

describe('Sentinel', () => {
  it('a borrowed client connected through Sentinel reaches the master Sentinel names', async () => {
    const client = new Redis({ ...sentinelOptions(), enableAutoPipelining: true });
    try {
      await using cache = createRedisCache({ client, keyPrefix: `sentinel-${process.pid}:` });
      const d = digest('sentinel');
      await cache.add('team/a', d);
      const direct = new Redis(master.url);
      try {
        expect(await direct.zscore(`sentinel-${process.pid}:r:team/a`, d.slice(7))).toBe('inf');
      } finally {
        await direct.quit();
      }
      await cache.clear();
      expect(await cache.contains('team/a', d)).toBe(false);
    } finally {
      await client.quit();
    }
  });
});
