import { isInvalidArgumentError } from '@layercache/core';
import { describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';

// The near option's checks on ioredis (the default driver); its behaviour, on each client
// library, is in test/drivers/near*.test.ts, node-redis' refusals in
// test/drivers/node-redis-refusals.test.ts. No server is needed: options are refused at once.
const url = 'redis://127.0.0.1:1';

describe('near option', () => {
  it('refuses an unknown key inside near', () => {
    expect(() => createRedisCache({ url: url, near: { maxStalenesMs: 5 } as never })).toThrow(
      /near: unknown option `maxStalenesMs`/,
    );
  });

  it('names near, or the key inside it, as the argument of every refusal', () => {
    const argumentOf = (near: unknown) => {
      try {
        createRedisCache({ url, near: near as never });
      } catch (error) {
        return (error as { argument?: string }).argument;
      }
      return undefined;
    };
    expect(argumentOf(5)).toBe('near');
    expect(argumentOf(new Proxy({}, {}))).toBe('near');
    expect(argumentOf({ maxStalenesMs: 5 })).toBe('near.maxStalenesMs');
    expect(
      argumentOf({
        get max(): never {
          throw new Error('hostile getter');
        },
      }),
    ).toBe('near.max');
    expect(argumentOf({ max: 0 })).toBe('near.max');
    expect(argumentOf({ max: 1.5 })).toBe('near.max');
  });

  it('refuses a maxStalenessMs that is not a positive whole number', () => {
    for (const value of [0, -1, 1.5, '10', 60_001]) {
      let thrown: unknown;
      try {
        createRedisCache({ url: url, near: { maxStalenessMs: value as never } });
      } catch (error) {
        thrown = error;
      }
      expect(isInvalidArgumentError(thrown), String(value)).toBe(true);
      expect((thrown as Error).message).toContain('near.maxStalenessMs');
    }
  });

  it('refuses near on a Cluster whose keyPrefix holds a hash tag, naming near', () => {
    let thrown: unknown;
    try {
      createRedisCache({
        cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] },
        keyPrefix: '{registry}:',
        near: {},
      });
    } catch (error) {
      thrown = error;
    }
    expect(isInvalidArgumentError(thrown)).toBe(true);
    expect((thrown as { argument: string }).argument).toBe('near');
    expect((thrown as Error).message).toMatch(
      /on a Redis Cluster needs a keyPrefix without a hash tag/,
    );
  });
});
