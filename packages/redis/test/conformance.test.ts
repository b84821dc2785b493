import { describeLayerInfoCache } from '@layercache/core/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { RESP3_NATIVE, type StandaloneRedis, standaloneRedis } from './servers.js';

let redis: StandaloneRedis;
let borrowed: Redis;
let nativeReplies: Redis;

beforeAll(async () => {
  redis = await standaloneRedis();
  borrowed = new Redis(redis.url, { enableAutoPipelining: true });
  // ioredis 6: RESP3 with its own reply types (ZSCORE a number, maps as objects). ioredis 5 does
  // not know these options and speaks RESP2: the same as the borrowed client above.
  nativeReplies = new Redis(redis.url, RESP3_NATIVE);
}, 30_000);

afterAll(async () => {
  await borrowed?.quit();
  await nativeReplies?.quit();
  await redis?.stop();
});

// The storageId is the key prefix: a new id is an empty cache, the same id reopens the same data
// (durable) or opens a second instance beside the first (shared: another client, or for the
// borrowed configuration another cache on the same client).
const capabilities = {
  ttl: true,
  durable: true,
  shared: true,
  metrics: true,
  forgetDigest: true,
  entries: true,
} as const;

describeLayerInfoCache(
  'redis standalone',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({ url: redis.url, keyPrefix: `${storageId}:`, ttlMs, meter }),
  capabilities,
);

// Glob characters and a hash tag in the prefix: SCAN MATCH must treat them literally.
describeLayerInfoCache(
  'redis standalone, prefix with glob characters and a hash tag',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({ url: redis.url, keyPrefix: `{${storageId}}*?[ab]\\:`, ttlMs, meter }),
  capabilities,
);

describeLayerInfoCache(
  'redis borrowed client',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({ client: borrowed, keyPrefix: `${storageId}:`, ttlMs, meter }),
  capabilities,
);

describeLayerInfoCache(
  'redis borrowed client with RESP3 reply types (replyMapping "resp3" on ioredis 6)',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({ client: nativeReplies, keyPrefix: `${storageId}:`, ttlMs, meter }),
  capabilities,
);

// ioredis 6 defaults to RESP3; an owned connection told to use RESP2 must work the same.
describeLayerInfoCache(
  'redis standalone on RESP2 (protocol 2)',
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      url: redis.url,
      redis: { protocol: 2 } as object,
      keyPrefix: `${storageId}:`,
      ttlMs,
      meter,
    }),
  capabilities,
);
