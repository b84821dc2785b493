import { describe, expect, it } from 'vitest';
import {
  CACHE_METRICS,
  createLayerInfoCache,
  type LayerInfoStore,
  type LayerMeta,
} from '../src/index.js';
import { createTestMeter } from './support/metrics.js';

const repo = 'library/ubuntu';
const digest = `sha256:${'ab'.repeat(32)}`;
const other = `sha256:${'cd'.repeat(32)}`;
const meta: LayerMeta = { path: '/blobs/ab/data', length: 1 };
const never = () => new Promise<never>(() => {});

function mapStore(): LayerInfoStore {
  const links = new Set<string>();
  const metas = new Map<string, LayerMeta>();
  return {
    contains: (r, d) => links.has(`${r} ${d}`),
    add: (r, d) => {
      links.add(`${r} ${d}`);
    },
    remove: (r, d) => links.delete(`${r} ${d}`),
    meta: (d) => metas.get(d),
    setMeta: (d, m) => {
      metas.set(d, m);
    },
    deleteMeta: (d) => metas.delete(d),
    clear: () => {
      links.clear();
      metas.clear();
    },
  };
}

const count = (operation: string, outcome: string) => ({
  'layercache.cache': 'test',
  'layercache.operation': operation,
  'layercache.outcome': outcome,
});

describe('createLayerInfoCache: meter', () => {
  it('counts every operation by outcome, exactly, and times each call', async () => {
    const { meter, collect, shutdown } = createTestMeter();
    const cache = createLayerInfoCache(mapStore(), { name: 'test', meter });
    await cache.contains(repo, digest); // miss
    await cache.add(repo, digest);
    await cache.contains(repo, digest); // hit
    await cache.contains(repo, digest); // hit
    await cache.meta(digest).catch(() => {}); // miss
    await cache.setMeta(digest, meta);
    await cache.meta(digest); // hit
    await cache.remove(repo, digest);
    await cache.deleteMeta(digest);
    await cache.clear();
    await cache.contains('Bad', digest).catch(() => {}); // error (invalid)
    await cache
      .contains(repo, digest, { signal: AbortSignal.abort(new Error('gone')) })
      .catch(() => {}); // aborted

    const readings = await collect();
    const expected: [string, string, number][] = [
      ['contains', 'miss', 1],
      ['contains', 'hit', 2],
      ['contains', 'error', 1],
      ['contains', 'aborted', 1],
      ['add', 'ok', 1],
      ['meta', 'miss', 1],
      ['meta', 'hit', 1],
      ['setMeta', 'ok', 1],
      ['remove', 'ok', 1],
      ['deleteMeta', 'ok', 1],
      ['clear', 'ok', 1],
    ];
    for (const [operation, outcome, n] of expected) {
      expect(
        readings.sum(CACHE_METRICS.operations, count(operation, outcome)),
        `${operation} ${outcome}`,
      ).toBe(n);
      expect(readings.count(CACHE_METRICS.duration, count(operation, outcome))).toBe(n);
    }
    expect(readings.sum(CACHE_METRICS.operations)).toBe(12);
    await shutdown();
  });

  it('counts a call that ran out of time as timeout, and a failing store as error', async () => {
    const { meter, collect, shutdown } = createTestMeter();
    const cache = createLayerInfoCache(
      {
        ...mapStore(),
        contains: never,
        meta: () => Promise.reject(new Error('ECONNRESET')),
      },
      { name: 'test', meter, timeoutMs: 20 },
    );
    await cache.contains(repo, digest).catch(() => {});
    await cache.meta(other).catch(() => {});
    const readings = await collect();
    expect(readings.sum(CACHE_METRICS.operations, count('contains', 'timeout'))).toBe(1);
    expect(readings.sum(CACHE_METRICS.operations, count('meta', 'error'))).toBe(1);
    expect(
      readings.max(CACHE_METRICS.duration, count('contains', 'timeout')),
    ).toBeGreaterThanOrEqual(0.019);
    await shutdown();
  });

  it('records under the documented names only', async () => {
    const { meter, collect, shutdown } = createTestMeter();
    const cache = createLayerInfoCache(mapStore(), { name: 'test', meter });
    await cache.contains(repo, digest);
    expect((await collect()).names.sort()).toEqual(
      [CACHE_METRICS.duration, CACHE_METRICS.operations].sort(),
    );
    await shutdown();
  });

  it('without a meter, the cache is the bare wrapper', () => {
    const cache = createLayerInfoCache(mapStore(), { name: 'test' });
    expect(Object.keys(cache).sort()).toEqual(
      ['add', 'clear', 'close', 'contains', 'deleteMeta', 'meta', 'remove', 'setMeta'].sort(),
    );
  });

  it('refuses a meter that is not one', () => {
    expect(() => createLayerInfoCache(mapStore(), { meter: {} as never })).toThrow(
      'createLayerInfoCache: meter must be an OpenTelemetry Meter',
    );
  });
});
