import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { type StandaloneRedis, standaloneRedis } from './servers.js';

let redis: StandaloneRedis;
let borrowed: Redis;

beforeAll(async () => {
  redis = await standaloneRedis();
  borrowed = new Redis(redis.url, { enableAutoPipelining: true });
}, 30_000);

afterAll(async () => {
  await borrowed?.quit();
  await redis?.stop();
});

const capabilities = { ttl: true, durable: true, forgetDigest: true, entries: true } as const;

// The storageId is the key prefix: a new id is an empty cache, the same id reopens the same data.
describeLayerInfoCache(
  'redis standalone',
  ({ storageId, ttlMs }) => createRedisCache({ url: redis.url, keyPrefix: `${storageId}:`, ttlMs }),
  capabilities,
);

// Glob characters and a hash tag in the prefix: SCAN MATCH must treat them literally.
describeLayerInfoCache(
  'redis standalone, prefix with glob characters and a hash tag',
  ({ storageId, ttlMs }) =>
    createRedisCache({ url: redis.url, keyPrefix: `{${storageId}}*?[ab]\\:`, ttlMs }),
  capabilities,
);

describeLayerInfoCache(
  'redis borrowed client',
  ({ storageId, ttlMs }) =>
    createRedisCache({ client: borrowed, keyPrefix: `${storageId}:`, ttlMs }),
  capabilities,
);
