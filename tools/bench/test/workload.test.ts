import { describe, expect, it } from 'vitest';
import { createPullWorkload } from '../src/demo/workload.js';
import { createRandom } from '../src/workload/random.js';
import { createZipfSampler } from '../src/workload/zipf.js';

function histogram(sample: () => number, n: number, draws: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < draws; i++) counts[sample()]!++;
  return counts;
}

describe('the Zipf sampler', () => {
  it('draws rank 0 far more often than the tail: a few images take most pulls', () => {
    const counts = histogram(createZipfSampler(200, 1.1, createRandom(1)), 200, 50_000);
    expect(counts[0]!).toBeGreaterThan(10 * counts[50]!);
    // The top 10% of 200 ranks take well over half the draws.
    const top = counts.slice(0, 20).reduce((a, b) => a + b, 0);
    expect(top / 50_000).toBeGreaterThan(0.6);
    // Rank 0 against rank 1 follows 2^1.1 ≈ 2.14 within sampling noise.
    expect(counts[0]! / counts[1]!).toBeGreaterThan(1.8);
    expect(counts[0]! / counts[1]!).toBeLessThan(2.5);
  });

  it('is uniform with skew 0', () => {
    const counts = histogram(createZipfSampler(10, 0, createRandom(2)), 10, 50_000);
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(400);
  });

  it('only draws ranks in range', () => {
    const sample = createZipfSampler(3, 2, createRandom(3));
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(sample());
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('rejects an empty range', () => {
    expect(() => createZipfSampler(0, 1, createRandom(1))).toThrow(RangeError);
  });
});

describe('the pull workload', () => {
  const inventory = {
    repositories: [
      { name: 'a/popular', digests: ['sha256:1', 'sha256:2'] },
      { name: 'b/rare', digests: ['sha256:3'] },
    ],
    blobs: 3,
    links: 3,
  };

  it('replays the same requests from the same seed', () => {
    const options = { requests: 100, skew: 1, foreignRatio: 0.1, seed: 9 };
    expect(createPullWorkload(inventory, options)).toEqual(createPullWorkload(inventory, options));
  });

  it('asks for linked blobs only when foreignRatio is 0', () => {
    const requests = createPullWorkload(inventory, {
      requests: 500,
      skew: 1,
      foreignRatio: 0,
      seed: 4,
    });
    for (const r of requests) {
      const repo = inventory.repositories.find((x) => x.name === r.repo)!;
      expect(repo.digests).toContain(r.digest);
    }
    expect(requests.filter((r) => r.repo === 'a/popular').length).toBeGreaterThan(250);
  });
});
