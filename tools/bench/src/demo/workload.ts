import type { StorageInventory } from '../storage/tree.js';
import { createRandom, randomIndex } from '../workload/random.js';
import { createZipfSampler } from '../workload/zipf.js';

/** One blob request: `HEAD /v2/<repo>/blobs/<digest>` — an existence check, then a stat. */
export interface BlobRequest {
  readonly repo: string;
  readonly digest: string;
}

/** Options of {@link createPullWorkload}. */
export interface PullWorkloadOptions {
  readonly requests: number;
  /** Zipf exponent of image popularity (0 = uniform; ~1 = a few images dominate). */
  readonly skew: number;
  /** Share of requests for a blob the repository does not link (cross-repository mounts, probes). */
  readonly foreignRatio: number;
  readonly seed: number;
}

/**
 * A replayable sequence of blob requests: the repository is drawn by Zipf popularity (rank 0 =
 * most pulled), the blob uniformly among the layers it links — or, for `foreignRatio` of
 * requests, among another repository's layers, which it usually does not link (so the answer is
 * "no", which the cache never stores).
 */
export function createPullWorkload(
  inventory: StorageInventory,
  options: PullWorkloadOptions,
): BlobRequest[] {
  const repos = inventory.repositories;
  if (repos.length === 0) throw new Error('the storage tree has no repositories with layers');
  const random = createRandom(options.seed);
  const pick = createZipfSampler(repos.length, options.skew, random);
  const requests: BlobRequest[] = new Array(options.requests);
  for (let i = 0; i < options.requests; i++) {
    const repo = repos[pick()]!;
    const source =
      random() < options.foreignRatio ? repos[randomIndex(random, repos.length)]! : repo;
    const digest = source.digests[randomIndex(random, source.digests.length)]!;
    requests[i] = { repo: repo.name, digest };
  }
  return requests;
}
