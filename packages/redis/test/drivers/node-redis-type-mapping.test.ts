// A borrowed node-redis client may map replies to other types (Buffers for strings, Maps…): the
// cache's own commands must still read node-redis' default types, or a meta would come back with
// a Buffer for its path and every membership would read as absent.
import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import { type StandaloneRedis, standaloneRedis, uniquePrefix } from '../servers.js';
import { driver } from './fixture.js';

const digest = `sha256:${'ab'.repeat(32)}`;
let redis: StandaloneRedis;
beforeAll(async () => {
  if (driver === 'node-redis') redis = await standaloneRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.skipIf(driver !== 'node-redis')(
  'node-redis: a borrowed client with its own type mapping',
  () => {
    it.each([2, 3] as const)('answers strings and booleans as usual on RESP%i', async (resp) => {
      const client = createClient({
        url: redis.url,
        RESP: resp,
        commandOptions: {
          typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer, [RESP_TYPES.DOUBLE]: String },
        },
      });
      client.on('error', () => {});
      await client.connect();
      try {
        const cache = createRedisCache({ client, keyPrefix: uniquePrefix('type-mapping') });
        await cache.add('mapped/repo', digest);
        await cache.setMeta(digest, { path: '/blobs/mapped', length: 7 });
        expect(await cache.contains('mapped/repo', digest)).toBe(true);
        expect(await cache.meta(digest)).toEqual({ path: '/blobs/mapped', length: 7 });
        expect(await cache.remove('mapped/repo', digest)).toBe(true);
        expect(await cache.contains('mapped/repo', digest)).toBe(false);
        await cache.clear();
        await cache.close();
        // The client is the caller's, and keeps its own mapping.
        expect(Buffer.isBuffer((await client.get('absent')) ?? Buffer.alloc(0))).toBe(true);
      } finally {
        client.destroy();
      }
    });
  },
);
