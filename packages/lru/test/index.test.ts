import { digest } from '@layercache/core/conformance';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveLruOptions } from '../src/options.js';
import { createLruStore } from '../src/store.js';

// Thousands of operations: generous on the shared 2-core machines, where load varies a lot.
const SLOW = { timeout: 60_000 };

// The repository → digest index only finds lru-cache keys; these checks prove it never outlives
// what lru-cache holds (no leak for churning repositories, no stale record to find).

const REPOS = ['team/a', 'team/b', 'team/c', 'team/d'];
const DIGESTS = [0, 1, 2, 3, 4].map((i) => digest(`index-${i}`));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_800_000_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the repository index', () => {
  it(
    'holds exactly the memberships lru-cache holds, through evictions, expiry, removes and clears',
    SLOW,
    () => {
      const op = fc.oneof(
        fc.tuple(
          fc.constantFrom('add', 'contains', 'remove'),
          fc.constantFrom(...REPOS),
          fc.constantFrom(...DIGESTS),
        ),
        fc.tuple(fc.constant('tick'), fc.constantFrom(500, 1001), fc.constant('')),
        fc.tuple(fc.constant('clear'), fc.constant(''), fc.constant('')),
      );
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }),
          fc.option(fc.constant(1000), { nil: undefined }),
          fc.array(op, { minLength: 10, maxLength: 100, size: 'max' }),
          (max, ttlMs, ops) => {
            const store = createLruStore(resolveLruOptions({ max, ttlMs }));
            for (const [kind, a, b] of ops) {
              if (kind === 'add') store.add(a as string, b);
              else if (kind === 'contains') store.contains(a as string, b);
              else if (kind === 'remove') store.remove(a as string, b);
              else if (kind === 'tick') vi.setSystemTime(Date.now() + (a as number));
              else store.clear();
              const indexed = store.indexed();
              expect(indexed.memberships).toBe(store.stats().memberships);
              expect(indexed.empty).toBe(0);
              expect(indexed.memberships).toBeLessThanOrEqual(max);
            }
          },
        ),
        { seed: 20261128, numRuns: 300 },
      );
    },
  );

  it('does not grow with repositories that came and went', () => {
    const store = createLruStore(resolveLruOptions({ max: 10 }));
    for (let i = 0; i < 5000; i++) store.add(`churn/repo-${i}`, DIGESTS[i % DIGESTS.length]!);
    expect(store.indexed()).toEqual({ repositories: 10, memberships: 10, empty: 0 });
    store.clear();
    expect(store.indexed()).toEqual({ repositories: 0, memberships: 0, empty: 0 });
  });
});
