import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Digest } from '../workload/digests.js';
import { createRandom, randomIndex } from '../workload/random.js';
import { createZipfSampler } from '../workload/zipf.js';
import { blobDataPath, layerLinkPath } from './layout.js';

/** What a storage tree holds: each repository and the layers it links, in popularity order. */
export interface StorageInventory {
  /** Repositories, most popular first (the demo's Zipf rank 0 is `repositories[0]`). */
  readonly repositories: readonly RepositoryLayers[];
  /** Number of distinct blobs on disk. */
  readonly blobs: number;
  /** Number of link files (memberships). */
  readonly links: number;
}

/** One repository and the digests it links. */
export interface RepositoryLayers {
  readonly name: string;
  readonly digests: readonly string[];
}

/** Options of {@link buildStorageTree}. */
export interface StorageTreeOptions {
  /** Number of repositories. Default: 200. */
  readonly repositories?: number;
  /** Number of shared base images whose layers many repositories link. Default: 12. */
  readonly baseImages?: number;
  /** Seed of the generator: the same seed builds the same tree. Default: 1. */
  readonly seed?: number;
}

const BASE_NAMES = ['alpine', 'debian', 'ubuntu', 'busybox', 'node', 'python', 'golang', 'nginx'];

/**
 * Writes a small registry storage tree under `root` in the Go registry's on-disk layout: base
 * images with 2–5 layers each, and repositories (`team-<t>/app-<n>`) that each link one base
 * image's layers (popular bases are shared far more often) plus 1–6 layers of their own. Blob
 * contents are a few KiB of deterministic bytes, and every digest is their real sha256.
 */
export async function buildStorageTree(
  root: string,
  options: StorageTreeOptions = {},
): Promise<StorageInventory> {
  const { repositories: repoCount = 200, baseImages = 12, seed = 1 } = options;
  const random = createRandom(seed);
  const blobs = new Map<string, number>();

  const writeBlob = (label: string): string => {
    const size = 256 + randomIndex(random, 8192);
    const data = Buffer.alloc(size, label);
    const digest = sha256Digest(data);
    if (!blobs.has(digest)) {
      blobs.set(digest, size);
      writeFileIn(root, blobDataPath(digest), data);
    }
    return digest;
  };

  const bases: string[][] = [];
  for (let b = 0; b < baseImages; b++) {
    const layers = 2 + randomIndex(random, 4);
    bases.push(Array.from({ length: layers }, (_, l) => writeBlob(`base-${b}-layer-${l}`)));
  }
  const pickBase = createZipfSampler(baseImages, 1, random);

  const repositories: RepositoryLayers[] = [];
  let links = 0;
  for (let r = 0; r < repoCount; r++) {
    const base = bases[pickBase()]!;
    const own = Array.from({ length: 1 + randomIndex(random, 6) }, (_, l) =>
      writeBlob(`repo-${r}-layer-${l}`),
    );
    const name = r < BASE_NAMES.length ? `library/${BASE_NAMES[r]}` : `team-${r % 17}/app-${r}`;
    const digests = [...base, ...own];
    for (const digest of digests) {
      writeFileIn(root, layerLinkPath(name, digest), digest);
    }
    links += digests.length;
    repositories.push({ name, digests });
  }
  return { repositories, blobs: blobs.size, links };
}

// Synchronous on purpose: a few thousand small files are written faster one after the other
// than as thousands of concurrent thread-pool jobs, and nothing else runs meanwhile.
function writeFileIn(root: string, relative: string, data: string | Uint8Array) {
  const path = join(root, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
