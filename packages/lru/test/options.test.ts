import { ErrorCode, InvalidArgumentError, isInvalidArgumentError } from '@layercache/core';
import { describe, expect, it } from 'vitest';
import { createLruCache, DEFAULT_MAX, type LruCacheOptions, MIN_MAX_SIZE } from '../src/index.js';

// Thousands of operations: generous on the shared 2-core machines, where load varies a lot.
const SLOW = { timeout: 60_000 };

function rejection(options: unknown): InvalidArgumentError {
  try {
    createLruCache(options as LruCacheOptions);
  } catch (error) {
    expect(isInvalidArgumentError(error), String(error)).toBe(true);
    return error as InvalidArgumentError;
  }
  throw new Error(`createLruCache(${JSON.stringify(options)}) did not throw`);
}

describe('createLruCache options', () => {
  // [options, option named by `argument`, a fragment of the advice the message must give]
  const invalid: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
    ['max: 0', { max: 0 }, 'max', /got the number 0; pass e\.g\. 10000/],
    ['a negative max', { max: -5 }, 'max', /got the number -5; pass/],
    ['max: NaN', { max: Number.NaN }, 'max', /got NaN; pass/],
    ['a fractional max', { max: 2.5 }, 'max', /whole number/],
    ['max as a string', { max: '100' }, 'max', /got the string "100"/],
    ['max: -Infinity', { max: Number.NEGATIVE_INFINITY }, 'max', /got the number -Infinity/],
    ['max: Infinity without maxSize (neither bound)', { max: Infinity }, 'max', /pass a maxSize/],
    ['a max lru-cache would preallocate gigabytes for', { max: 2 ** 30 }, 'max', /maxSize/],
    ['maxSize: 0', { maxSize: 0 }, 'maxSize', /got the number 0; pass/],
    ['maxSize: NaN', { maxSize: Number.NaN }, 'maxSize', /got NaN/],
    ['maxSize: Infinity', { maxSize: Infinity }, 'maxSize', /omit it to bound by max only/],
    ['a maxSize too small for the longest meta', { maxSize: 1000 }, 'maxSize', /at least 65536/],
    ['ttlMs: 0', { ttlMs: 0 }, 'ttlMs', /omit it for entries that never expire/],
    ['a negative ttlMs', { ttlMs: -1 }, 'ttlMs', /got the number -1; pass e\.g\. 600000/],
    ['ttlMs: NaN', { ttlMs: Number.NaN }, 'ttlMs', /got NaN/],
    ['ttlMs: Infinity', { ttlMs: Infinity }, 'ttlMs', /omit it/],
    ['a fractional ttlMs', { ttlMs: 0.5 }, 'ttlMs', /whole number of milliseconds/],
    ['a misspelt option', { ttl: 1000 }, 'ttl', /unknown option `ttl`: did you mean `ttlMs`\?/],
    ['null options', null, 'options', /must be a plain object, got null/],
    ['a number as options', 10, 'options', /must be a plain object, got the number 10/],
    ['an array as options', [], 'options', /got an array/],
  ];

  it.each(invalid)(
    'rejects %s at construction with an InvalidArgumentError naming the option',
    (_, options, argument, advice) => {
      const error = rejection(options);
      expect(error.code).toBe(ErrorCode.InvalidArgument);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.argument).toBe(argument);
      expect(error.message).toMatch(advice);
    },
  );

  const valid: ReadonlyArray<readonly [string, LruCacheOptions | undefined]> = [
    ['no options at all', undefined],
    ['an empty object', {}],
    ['max: 1', { max: 1 }],
    ['max and maxSize', { max: 50_000, maxSize: 32 * 1024 * 1024 }],
    ['maxSize only', { maxSize: MIN_MAX_SIZE }],
    ['max: Infinity with maxSize (bytes only)', { max: Infinity, maxSize: MIN_MAX_SIZE }],
    ['a TTL', { ttlMs: 1 }],
    ['explicitly undefined options', { max: undefined, maxSize: undefined, ttlMs: undefined }],
  ];

  it.each(valid)('accepts %s', async (_, options) => {
    const cache = createLruCache(options);
    expect(cache.stats.memberships).toBe(0);
    await cache.close();
  });

  it(
    `bounds an unconfigured cache at ${DEFAULT_MAX} memberships and ${DEFAULT_MAX} metas`,
    SLOW,
    async () => {
      await using cache = createLruCache();
      const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
      for (let i = 0; i < DEFAULT_MAX + 5; i++) {
        await cache.add('team/a', digest(i));
        await cache.setMeta(digest(i), { path: `/b/${i}`, length: i });
      }
      expect(cache.stats.memberships).toBe(DEFAULT_MAX);
      expect(cache.stats.metas).toBe(DEFAULT_MAX);
      expect(await cache.contains('team/a', digest(0))).toBe(false);
      expect(await cache.contains('team/a', digest(DEFAULT_MAX + 4))).toBe(true);
    },
  );
});
