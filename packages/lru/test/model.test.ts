import { isNotFoundError, type LayerMeta } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLruCache, type LruLayerInfoCache, MIN_MAX_SIZE } from '../src/index.js';

// Thousands of operations: generous on the shared 2-core machines, where load varies a lot.
const SLOW = { timeout: 60_000 };

// Random workloads against reference models. Small universes and tiny bounds, so that nearly
// every run evicts and expires; a fixed seed, so that a failure reproduces.
const SEED = 20261128;
const RUNS = Number(process.env.LAYERCACHE_LRU_MODEL_RUNS ?? 300);
const START = 1_800_000_000_000;

type Op =
  | { readonly op: 'contains' | 'add' | 'remove'; readonly repo: string; readonly digest: string }
  | { readonly op: 'meta' | 'deleteMeta'; readonly digest: string }
  | { readonly op: 'setMeta'; readonly digest: string; readonly meta: LayerMeta }
  | { readonly op: 'clear' }
  | { readonly op: 'tick'; readonly ms: number };

function operations(
  repos: string[],
  digests: string[],
  path: fc.Arbitrary<string>,
): fc.Arbitrary<Op[]> {
  const repo = fc.constantFrom(...repos);
  const dig = fc.constantFrom(...digests);
  return fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ op: fc.constant('contains' as const), repo, digest: dig }),
      },
      { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), repo, digest: dig }) },
      {
        weight: 2,
        arbitrary: fc.record({ op: fc.constant('remove' as const), repo, digest: dig }),
      },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('meta' as const), digest: dig }) },
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant('setMeta' as const),
          digest: dig,
          meta: fc.record({ path, length: fc.nat() }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteMeta' as const), digest: dig }) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant('tick' as const),
          ms: fc.constantFrom(1, 400, 999, 1000, 1001, 5000),
        }),
      },
    ),
    { minLength: 10, maxLength: 80, size: 'max' },
  );
}

async function metaOf(cache: LruLayerInfoCache, d: string): Promise<LayerMeta | undefined> {
  try {
    return await cache.meta(d);
  } catch (error) {
    if (isNotFoundError(error)) return undefined;
    throw error;
  }
}

/**
 * What a least-recently-used list with per-entry TTL must answer: reads of a live entry make it
 * the most recent, writes restart its TTL, a full list drops its least recent entry (expired or
 * not), and an expired entry is dropped when read.
 */
class LruModel<V> {
  private readonly entries = new Map<string, { value: V; written: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number | undefined,
  ) {}

  private expired(written: number, now: number): boolean {
    return this.ttlMs !== undefined && now - written > this.ttlMs;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (this.expired(entry.written, now)) return undefined;
    this.entries.set(key, entry); // to the most recent end
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    if (!this.entries.delete(key) && this.entries.size === this.max) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, written: now });
  }

  delete(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry !== undefined && !this.expired(entry.written, now);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

const REPOS = ['team/a', 'team/b', 'team/a/sub'];
const DIGESTS = [0, 1, 2, 3].map((i) => digest(`model-${i}`));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('model-based checks', () => {
  it(
    'bounded by max, with and without TTL, every answer is exactly what an LRU list gives',
    SLOW,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 6 }),
          fc.option(fc.constantFrom(1000, 3000), { nil: undefined }),
          operations(REPOS, DIGESTS, fc.constantFrom('/a', '/b', '/層')),
          async (max, ttlMs, ops) => {
            let now = START;
            vi.setSystemTime(now);
            await using cache = createLruCache({ max, ttlMs });
            const memberships = new LruModel<true>(max, ttlMs);
            const metas = new LruModel<LayerMeta>(max, ttlMs);
            for (const [step, o] of ops.entries()) {
              const where = `step ${step}: ${JSON.stringify(o)}`;
              switch (o.op) {
                case 'contains':
                  expect(await cache.contains(o.repo, o.digest), where).toBe(
                    memberships.get(`${o.repo} ${o.digest}`, now) === true,
                  );
                  break;
                case 'add':
                  await cache.add(o.repo, o.digest);
                  memberships.set(`${o.repo} ${o.digest}`, true, now);
                  break;
                case 'remove':
                  expect(await cache.remove(o.repo, o.digest), where).toBe(
                    memberships.delete(`${o.repo} ${o.digest}`, now),
                  );
                  break;
                case 'meta':
                  expect(await metaOf(cache, o.digest), where).toEqual(metas.get(o.digest, now));
                  break;
                case 'setMeta':
                  await cache.setMeta(o.digest, o.meta);
                  metas.set(o.digest, o.meta, now);
                  break;
                case 'deleteMeta':
                  expect(await cache.deleteMeta(o.digest), where).toBe(metas.delete(o.digest, now));
                  break;
                case 'clear':
                  await cache.clear();
                  memberships.clear();
                  metas.clear();
                  break;
                case 'tick':
                  now += o.ms;
                  vi.setSystemTime(now);
                  break;
              }
              expect(cache.stats.memberships, where).toBe(memberships.size);
              expect(cache.stats.metas, where).toBe(metas.size);
            }
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    },
  );

  it(
    'bounded by bytes, an evicted or expired entry never answers again, nor does a stale meta',
    SLOW,
    async () => {
      // Long repository names and paths make byte eviction frequent. This model cannot predict
      // which entry goes first, so it learns evictions from the answers: once a membership was
      // seen missing, only an `add` of that very membership may bring it back.
      const repos = [...REPOS, `${'x'.repeat(200)}/y`];
      const digests = Array.from({ length: 12 }, (_, i) => digest(`bytes-${i}`));
      const path = fc.oneof(
        fc.constantFrom('/short', '/層'),
        fc.integer({ min: 1000, max: 4000 }).map((n) => `/${'p'.repeat(n)}`),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.option(fc.constantFrom(1000, 3000), { nil: undefined }),
          operations(repos, digests, path),
          async (ttlMs, ops) => {
            let now = START;
            vi.setSystemTime(now);
            await using cache = createLruCache({ max: Infinity, maxSize: MIN_MAX_SIZE, ttlMs });
            // What the cache may still hold, and when it was last written.
            const held = new Map<string, number>();
            const metas = new Map<string, { meta: LayerMeta; written: number }>();
            const alive = (written: number) => ttlMs === undefined || now - written <= ttlMs;
            for (const [step, o] of ops.entries()) {
              const where = `step ${step}: ${JSON.stringify(o).slice(0, 200)}`;
              const key = 'repo' in o ? `${o.repo} ${o.digest}` : '';
              switch (o.op) {
                case 'contains': {
                  const written = held.get(key);
                  const found = await cache.contains(o.repo, o.digest);
                  if (found) expect(written !== undefined && alive(written), where).toBe(true);
                  else held.delete(key); // evicted or expired: it stays gone until added again
                  break;
                }
                case 'add':
                  await cache.add(o.repo, o.digest);
                  held.set(key, now);
                  break;
                case 'remove': {
                  const written = held.get(key);
                  const removed = await cache.remove(o.repo, o.digest);
                  if (removed) expect(written !== undefined && alive(written), where).toBe(true);
                  held.delete(key);
                  break;
                }
                case 'meta': {
                  const expected = metas.get(o.digest);
                  const found = await metaOf(cache, o.digest);
                  if (found === undefined) metas.delete(o.digest);
                  else {
                    expect(expected !== undefined && alive(expected.written), where).toBe(true);
                    expect(found, where).toEqual(expected?.meta);
                  }
                  break;
                }
                case 'setMeta':
                  await cache.setMeta(o.digest, o.meta);
                  metas.set(o.digest, { meta: o.meta, written: now });
                  break;
                case 'deleteMeta': {
                  const expected = metas.get(o.digest);
                  if (await cache.deleteMeta(o.digest)) {
                    expect(expected !== undefined && alive(expected.written), where).toBe(true);
                  }
                  metas.delete(o.digest);
                  break;
                }
                case 'clear':
                  await cache.clear();
                  held.clear();
                  metas.clear();
                  break;
                case 'tick':
                  now += o.ms;
                  vi.setSystemTime(now);
                  break;
              }
              const { membershipBytes, metaBytes } = cache.stats;
              expect(membershipBytes, where).toBeLessThanOrEqual(MIN_MAX_SIZE / 2);
              expect(metaBytes, where).toBeLessThanOrEqual(MIN_MAX_SIZE / 2);
            }
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    },
  );
});
