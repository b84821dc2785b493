// What node-redis refuses until it is ported from ioredis: the near cache (refused at
// construction). On ioredis it works (test/near*.test.ts). Confirmed revocations, once refused
// here, work on both libraries (confirm.test.ts).
import { isInvalidArgumentError } from '@layercache/core';
import { describe, expect, it } from 'vitest';
import { driver, ownedCache } from './fixture.js';

describe.skipIf(driver !== 'node-redis')('node-redis: the near cache is refused', () => {
  it('at construction, with InvalidArgumentError naming the reason', () => {
    let error: unknown;
    try {
      ownedCache({ url: 'redis://127.0.0.1:6399', near: { max: 100 } });
    } catch (caught) {
      error = caught;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'createRedisCache: near is not available with the node-redis driver yet (its CLIENT ' +
        'TRACKING link is written for ioredis); use driver "ioredis" (or an ioredis client) ' +
        'for a near cache, or leave near out',
    );
  });
});
