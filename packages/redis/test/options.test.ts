import { ErrorCode } from '@layercache/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisCache, type RedisCacheOptions } from '../src/index.js';

function rejected(options: unknown, argument: string) {
  let thrown: unknown;
  try {
    createRedisCache(options as RedisCacheOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `no error for ${argument}`).toMatchObject({
    code: ErrorCode.InvalidArgument,
    argument,
  });
  return thrown as Error;
}

describe('createRedisCache option validation (at construction, naming the option)', () => {
  const url = 'redis://127.0.0.1:1';

  it('needs a way to reach Redis', () => {
    expect(rejected({}, 'url').message).toMatch(/url is required/);
  });

  it('rejects more than one way to reach Redis', () => {
    const client = new Redis({ lazyConnect: true });
    rejected({ client, url }, 'client');
    rejected({ cluster: { nodes: [{ port: 1 }] }, url }, 'cluster');
  });

  it('rejects a url that is not redis:// or rediss://', () => {
    rejected({ url: 'http://localhost:6379' }, 'url');
    rejected({ url: 'not a url' }, 'url');
    rejected({ url: 6379 }, 'url');
  });

  it('rejects a client that is not an ioredis client', () => {
    rejected({ client: {} }, 'client');
    rejected({ client: 'redis://x' }, 'client');
  });

  it('rejects an ioredis keyPrefix, which SCAN would not honour', () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: 'x:' });
    rejected({ client }, 'client');
    rejected({ url, redis: { keyPrefix: 'x:' } }, 'redis');
    rejected({ cluster: { nodes: [{ port: 1 }], options: { keyPrefix: 'x:' } } }, 'cluster');
  });

  it('rejects a cluster without startup nodes', () => {
    rejected({ cluster: { nodes: [] } }, 'cluster');
    rejected({ cluster: {} }, 'cluster');
  });

  it('rejects a keyPrefix that is not a string or is huge', () => {
    rejected({ url, keyPrefix: 1 }, 'keyPrefix');
    rejected({ url, keyPrefix: 'x'.repeat(1025) }, 'keyPrefix');
  });

  it('rejects a ttlMs that is not a positive integer', () => {
    for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60000']) {
      rejected({ url, ttlMs }, 'ttlMs');
    }
  });

  it('rejects a commandTimeoutMs that is not a positive number', () => {
    for (const commandTimeoutMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '1000']) {
      rejected({ url, commandTimeoutMs }, 'commandTimeoutMs');
    }
  });

  it('accepts the documented defaults without opening anything it cannot close', async () => {
    const cache = createRedisCache({ url, commandTimeoutMs: 50 });
    await cache.close();
  });
});
