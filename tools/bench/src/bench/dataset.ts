import type { LayerMeta } from '@layercache/core';
import { blobDataPath } from '../storage/layout.js';
import { syntheticDigests } from '../workload/digests.js';

/**
 * The keys every subject is filled with and asked about: `keys` memberships spread over
 * `repositories` repositories (membership k is `repos[k % R]` → `digests[k]`) and one meta per
 * digest, plus digests never added (misses) and digests to add while measuring.
 */
export interface Dataset {
  readonly keys: number;
  readonly repos: readonly string[];
  readonly digests: readonly string[];
  readonly metas: readonly LayerMeta[];
  /** A second meta per digest, so `setMeta` really changes the value. */
  readonly otherMetas: readonly LayerMeta[];
  readonly missDigests: readonly string[];
  readonly addDigests: readonly string[];
}

/** Builds a {@link Dataset} of `keys` keys over `repositories` repositories. */
export function createDataset(keys: number, repositories = 100): Dataset {
  const repos = Array.from({ length: repositories }, (_, r) => `team-${r % 13}/service-${r}`);
  const digests = syntheticDigests(keys, 'member');
  const metas = digests.map((d, k) => ({ path: `/${blobDataPath(d)}`, length: 1024 + k }));
  return {
    keys,
    repos,
    digests,
    metas,
    otherMetas: metas.map((m) => ({ path: m.path, length: m.length + 1 })),
    missDigests: syntheticDigests(keys, 'miss'),
    addDigests: syntheticDigests(keys, 'add'),
  };
}

/**
 * Scatters the i-th operation over the key space (a stride co-prime with typical sizes), so
 * consecutive operations do not hit neighbouring keys — B-tree pages and hash buckets get no
 * unrealistic locality.
 */
export function keyIndex(i: number, keys: number): number {
  return (i * 7919) % keys;
}
