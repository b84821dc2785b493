import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache } from '../types.js';
import { ALGORITHMS, hexOf } from './fixtures.js';
import type { Harness } from './harness.js';

// A clear() written as one page of a scan (one SCAN reply, one LIMIT-ed DELETE) passes a check
// that clears ten entries. This one clears thousands of memberships over hundreds of
// repositories plus thousands of metas, and counts what is left.

const DEFAULT_SCALE = 4000;
// Calls in flight at once while filling and checking: enough to keep a networked backend busy.
const CHUNK = 256;

function scaleOf(h: Harness): number {
  const fromEnv = Number(process.env.LAYERCACHE_CONFORMANCE_SCALE);
  const scale =
    h.capabilities.scale ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_SCALE);
  return Math.max(20, scale);
}

async function inChunks<T>(items: readonly T[], run: (item: T) => Promise<unknown>) {
  const results: unknown[] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    results.push(...(await Promise.all(items.slice(i, i + CHUNK).map(run))));
  }
  return results;
}

function entries(scale: number) {
  const repos = Math.max(1, Math.floor(scale / 20));
  // Digests of every algorithm, so a clear that forgets one key family shows too.
  const digest = (i: number) => {
    const [algorithm, length] = ALGORITHMS[i % ALGORITHMS.length]!;
    return `${algorithm}:${hexOf(`scale-${i}`, length)}`;
  };
  const links = Array.from(
    { length: scale },
    (_, i) => [`scale/r${i % repos}`, digest(i)] as const,
  );
  const metas = Array.from({ length: Math.floor(scale / 2) }, (_, i) => digest(i));
  return { repos, links, metas };
}

async function leftovers(cache: LayerInfoCache, scale: number) {
  const { links, metas } = entries(scale);
  const found = await inChunks(links, ([repo, d]) => cache.contains(repo, d));
  const kept = await inChunks(metas, (d) =>
    cache.meta(d).then(
      () => true,
      (error: unknown) => {
        if ((error as { code?: unknown }).code === ErrorCode.NotFound) return false;
        throw error;
      },
    ),
  );
  const firstLink = links[found.indexOf(true)];
  const firstMeta = metas[kept.indexOf(true)];
  return {
    links: found.filter(Boolean).length,
    metas: kept.filter(Boolean).length,
    example: firstLink
      ? `contains(${firstLink[0]}, ${firstLink[1]})`
      : firstMeta
        ? `meta(${firstMeta})`
        : '',
  };
}

export function scaleChecks(h: Harness): void {
  const scale = scaleOf(h);
  const { repos, links, metas } = entries(scale);
  const t = { timeout: Math.max(h.timeoutMs, scale * 10) };

  describe(`clear at scale (${scale} memberships, knob: capabilities.scale or LAYERCACHE_CONFORMANCE_SCALE)`, () => {
    it(
      `clear forgets ${scale} memberships over ${repos} repositories and ${metas.length} metas`,
      t,
      async () => {
        const { cache } = await h.open();
        await inChunks(links, ([repo, d]) => cache.add(repo, d));
        await inChunks(metas, (d) => cache.setMeta(d, { path: `/blobs/${d}`, length: d.length }));
        const before = await leftovers(cache, scale);
        expect(
          before,
          `did ${scale} add and ${metas.length} setMeta; expected every one to be readable before clear()`,
        ).toMatchObject({ links: scale, metas: metas.length });
        await cache.clear();
        const after = await leftovers(cache, scale);
        expect(
          after.links + after.metas,
          `did clear() on ${scale} memberships and ${metas.length} metas; expected nothing left, got ${after.links} memberships and ${after.metas} metas still answered (e.g. ${after.example})`,
        ).toBe(0);
      },
    );

    it('after a clear at scale the cache takes new writes', t, async () => {
      const { cache } = await h.open();
      await inChunks(links.slice(0, Math.min(scale, 1000)), ([repo, d]) => cache.add(repo, d));
      await cache.clear();
      const [repo, d] = links[0]!;
      await cache.add(repo, d);
      await cache.setMeta(d, { path: '/after', length: 1 });
      expect(await cache.contains(repo, d), `add(${repo}, ${d}) after clear()`).toBe(true);
      expect(await cache.meta(d)).toEqual({ path: '/after', length: 1 });
      expect(await cache.contains(links[1]![0], links[1]![1]), 'an entry from before clear()').toBe(
        false,
      );
    });
  });
}
