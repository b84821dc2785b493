import { digest } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { RESP3_NATIVE, type StandaloneRedis, standaloneRedis, uniquePrefix } from './servers.js';

let redis: StandaloneRedis;
beforeAll(async () => {
  redis = await standaloneRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

// Guards the matrix itself: without it, a broken alias would run ioredis 5 twice and pass.
it('this project runs the ioredis major it is named for, and the cache speaks its protocol', async () => {
  const major = inject('ioredisMajor');
  const probe = new Redis({ lazyConnect: true });
  expect((probe.options as { protocol?: number }).protocol).toBe(major === 6 ? 3 : undefined);
  probe.disconnect();
  const keyPrefix = uniquePrefix('matrix');
  await using cache = createRedisCache({ url: redis.url, keyPrefix });
  await cache.add('team/a', digest('matrix'));
  const admin = new Redis(redis.url);
  try {
    const clients = String(await admin.call('CLIENT', 'LIST'));
    expect(clients).toMatch(major === 6 ? /resp=3/ : /resp=2/);
  } finally {
    admin.disconnect();
  }
});

it('on ioredis 6 the RESP3 reply types of the conformance configuration are in effect (ZSCORE is a number)', async () => {
  const client = new Redis(redis.url, RESP3_NATIVE);
  try {
    const key = `${uniquePrefix('resp3')}z`;
    await client.zadd(key, '+inf', 'm');
    const score: unknown = await client.zscore(key, 'm');
    expect(score).toBe(inject('ioredisMajor') === 6 ? Number.POSITIVE_INFINITY : 'inf');
    await client.del(key);
  } finally {
    client.disconnect();
  }
});
