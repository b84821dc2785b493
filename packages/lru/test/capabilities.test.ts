import { digest } from '@layercache/core/conformance';
import { describe, expect, it } from 'vitest';
import { createLruCache } from '../src/index.js';

// The listing is an operator's read: it must not change which entry is evicted next.
describe('lru capabilities', () => {
  it('listing the entries does not refresh their recency', async () => {
    await using cache = createLruCache({ max: 2 });
    const [a, b, c] = [digest('a'), digest('b'), digest('c')];
    await cache.add('library/x', a);
    await cache.add('library/x', b);
    await cache.contains('library/x', a); // a is now the most recently used
    for await (const _ of cache.entries!()) {
      // b listed after a would make b the most recent if listing counted as use
    }
    await cache.add('library/x', c);
    expect(await cache.contains('library/x', a)).toBe(true);
    expect(await cache.contains('library/x', b)).toBe(false);
  });

  it('forgetDigest keeps the repository index in step with what lru-cache holds', async () => {
    await using cache = createLruCache({ max: 100 });
    const d = digest('shared');
    for (let i = 0; i < 10; i++) await cache.add(`team/repo-${i}`, d);
    expect(await cache.forgetDigest!(d)).toBe(10);
    expect(cache.stats.memberships).toBe(0);
  });
});
