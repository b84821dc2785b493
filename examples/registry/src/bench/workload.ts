import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { blobDataPath, layerLinkPath } from '../layout.js';

/** One blob request of the benchmark: `HEAD /v2/<name>/blobs/<digest>`. */
export interface BlobRequest {
  readonly name: string;
  readonly digest: string;
}

/** A deterministic generator in [0, 1) (mulberry32): the same seed replays the same requests. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1, rank k drawn with probability ∝ 1/(k+1)^skew (a few images take most pulls). */
export function createZipf(n: number, skew: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / (k + 1) ** skew;
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? 0) > target) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

/**
 * Writes a storage tree in the Go registry's layout: `repositories` repositories, each linking
 * the layers of one of 12 base images (popular bases shared far more) plus 2 layers of its own.
 * Returns each repository's digests, most popular repository first.
 */
export function writeBenchTree(root: string, repositories: number, seed: number): BlobRequest[][] {
  const random = createRandom(seed);
  const write = (relative: string, data: string | Buffer) => {
    mkdirSync(dirname(join(root, relative)), { recursive: true });
    writeFileSync(join(root, relative), data);
  };
  const blob = (label: string) => {
    const data = Buffer.alloc(512 + Math.floor(random() * 4096), label);
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    write(blobDataPath(digest), data);
    return digest;
  };
  const bases = Array.from({ length: 12 }, (_, b) =>
    Array.from({ length: 3 }, (_, l) => blob(`base-${b}-${l}`)),
  );
  const pickBase = createZipf(bases.length, 1, random);
  const tree: BlobRequest[][] = [];
  for (let r = 0; r < repositories; r++) {
    const name = `team-${r % 17}/app-${r}`;
    const digests = [...(bases[pickBase()] ?? []), blob(`repo-${r}-0`), blob(`repo-${r}-1`)];
    for (const digest of digests) write(layerLinkPath(name, digest), digest);
    tree.push(digests.map((digest) => ({ name, digest })));
  }
  return tree;
}

/**
 * `count` requests: the repository Zipf-skewed, the layer uniform among its own, and
 * `foreignRatio` of them for a blob another repository links (a 404: the access check).
 */
export function createRequests(
  tree: readonly BlobRequest[][],
  options: { count: number; skew: number; foreignRatio: number; seed: number },
): BlobRequest[] {
  const random = createRandom(options.seed + 1);
  const pickRepo = createZipf(tree.length, options.skew, random);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: options.count }, () => {
    const layers = tree[pickRepo()] ?? [];
    const request = pick(layers);
    if (random() >= options.foreignRatio) return request;
    // The last layer of another repository is its own, never linked here.
    const other = tree[(tree.indexOf(layers) + 1) % tree.length] ?? [];
    return { name: request.name, digest: other[other.length - 1]?.digest ?? request.digest };
  });
}
