import type { LayerMeta } from '@layercache/core';
import { REGISTRY_ROOT } from '../storage/layout.js';
import { createRandom } from '../workload/random.js';
import { createZipfSampler } from '../workload/zipf.js';

/**
 * Up to this many keys, digests and metas are built once and held in arrays (as `pnpm bench`
 * does), so the measured loop costs a lookup. Above it they are derived from the key's index on
 * every call: 10 million 71-character strings and their metas would hold ~3 GB of heap for
 * subjects (SQLite, Redis) that keep nothing in the heap.
 */
export const MATERIALIZE_LIMIT = 2_000_000;

/** Zipf exponent of the popularity of the "zipf" workload (YCSB's zipfian constant). */
export const ZIPF_SKEW = 0.99;

/** Length of the precomputed sequence of key indices a measured loop cycles through. */
const SEQUENCE_LENGTH = 1 << 20;

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const DIGEST_LENGTH = 71;
const scratch = Buffer.alloc(DIGEST_LENGTH);
scratch.write('sha256:', 0, 'latin1');

// murmur3's 32-bit finalizer: a bijection on 32-bit integers, so distinct indices give distinct
// first words and therefore distinct digests.
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The inverse of fmix32 (the multipliers' inverses modulo 2^32): turns a digest's first word back
// into its key, so keys can be put in digest order by sorting plain 32-bit words.
function unfmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7ed1b41d);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, 0xa5cb9243);
  h ^= h >>> 16;
  return h >>> 0;
}

const SALT = 0x5bd1e995;

/** The first 32 bits of key `k`'s digest: digests compare as these words do (fixed-width hex). */
function firstWord(k: number): number {
  return fmix32(k ^ SALT);
}

/**
 * The digest of key `k` (`sha256:` and 64 hex digits), a fresh flat string each call, derived
 * from `k` with a fast integer hash: ~10× cheaper than a real SHA-256, and never held by the
 * benchmark, so a 10M-key run stays within a few GB.
 */
export function digestAt(k: number): string {
  let h = firstWord(k);
  for (let word = 0; word < 8; word++) {
    let offset = 7 + word * 8;
    for (let nibble = 28; nibble >= 0; nibble -= 4) {
      scratch[offset++] = HEX[(h >>> nibble) & 15]!;
    }
    h = fmix32(h + 0x9e3779b9 + word);
  }
  return scratch.toString('latin1', 0, DIGEST_LENGTH);
}

/**
 * The meta of key `k`: the blob's path in the Go registry's layout, and a size. The path is a
 * flat string, as one read off storage would be: a template literal leaves a tree of pieces (a V8
 * ConsString) that a cache storing it as given would be charged ~200 bytes more for than one
 * whose validation flattens it.
 */
export function metaAt(k: number, digest = digestAt(k)): LayerMeta {
  const encoded = digest.slice(7);
  const path = `/${REGISTRY_ROOT}/blobs/sha256/${encoded.slice(0, 2)}/${encoded}/data`;
  return { path: Buffer.from(path, 'latin1').toString('latin1'), length: 1024 + k };
}

/** How many repositories `size` memberships are spread over: more links, more repositories. */
export function repositoriesFor(size: number): number {
  return Math.min(10_000, Math.max(100, Math.round(size / 1000)));
}

/**
 * The keys of one size: membership k is `repos[k % R]` → `digest(k)`, one meta per digest. A miss
 * asks the next repository for the digest (a blob that exists, linked elsewhere: the registry's
 * cross-repository case), so it needs no extra strings.
 */
export interface KeySpace {
  readonly size: number;
  readonly repos: readonly string[];
  /** `true` when digests and metas are held in arrays, `false` when derived per call. */
  readonly materialized: boolean;
  digest(k: number): string;
  meta(k: number): LayerMeta;
  /** Releases the arrays. */
  dispose(): void;
}

/** Builds the {@link KeySpace} of `size` keys. */
export function createKeySpace(size: number): KeySpace {
  const R = repositoriesFor(size);
  const repos = Array.from({ length: R }, (_, r) => `team-${r % 13}/service-${r}`);
  if (size > MATERIALIZE_LIMIT) {
    return {
      size,
      repos,
      materialized: false,
      digest: digestAt,
      meta: (k) => metaAt(k),
      dispose() {},
    };
  }
  let digests: string[] = new Array(size);
  let metas: LayerMeta[] = new Array(size);
  for (let k = 0; k < size; k++) {
    const digest = digestAt(k);
    digests[k] = digest;
    metas[k] = metaAt(k, digest);
  }
  return {
    size,
    repos,
    materialized: true,
    digest: (k) => digests[k]!,
    meta: (k) => metas[k]!,
    dispose() {
      digests = [];
      metas = [];
    },
  };
}

/**
 * Keys 0..size-1 in the order of their digests: the order a bulk import would write the metas
 * table in (its primary key is the digest), so each transaction appends to a few B-tree pages
 * instead of dirtying one random page per row.
 */
export function metaOrder(size: number): Uint32Array {
  const words = new Uint32Array(size);
  for (let k = 0; k < size; k++) words[k] = firstWord(k);
  words.sort();
  for (let i = 0; i < size; i++) words[i] = (unfmix32(words[i]!) ^ SALT) >>> 0;
  return words;
}

/**
 * Keys 0..size-1 in the order of the links table's primary key (repository name, then digest):
 * repositories by name, each one's keys (k ≡ r mod R) by digest.
 */
export function membershipOrder(size: number, repos: readonly string[]): Uint32Array {
  const R = repos.length;
  const byName = repos
    .map((name, r) => ({ name, r }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const order = new Uint32Array(size);
  let at = 0;
  for (const { r } of byName) {
    const from = at;
    for (let k = r; k < size; k += R) order[at++] = firstWord(k);
    const words = order.subarray(from, at);
    words.sort();
    for (let i = 0; i < words.length; i++) words[i] = (unfmix32(words[i]!) ^ SALT) >>> 0;
  }
  return order;
}

/** Key popularity of a measured workload. */
export const DISTRIBUTIONS = ['uniform', 'zipf'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/**
 * A fixed sequence of key indices (seeded: every subject replays the same one) drawn uniformly or
 * with Zipf popularity. Zipf ranks are scattered over the key space by a multiplication modulo
 * `size`, so popular keys are not neighbours in a B-tree or a hash table.
 */
export function keySequence(size: number, distribution: Distribution, seed = 1): Uint32Array {
  const random = createRandom(seed);
  const sequence = new Uint32Array(SEQUENCE_LENGTH);
  if (distribution === 'uniform') {
    for (let i = 0; i < SEQUENCE_LENGTH; i++) sequence[i] = Math.floor(random() * size);
    return sequence;
  }
  const zipf = createZipfSampler(size, ZIPF_SKEW, random);
  const stride = scatterStride(size);
  for (let i = 0; i < SEQUENCE_LENGTH; i++) sequence[i] = (zipf() * stride) % size;
  return sequence;
}

/** A multiplier co-prime with `size` (so rank → key is a permutation), below `size`. */
function scatterStride(size: number): number {
  if (size <= 2) return 1;
  let stride = 2_654_435_761 % size;
  while (gcd(stride, size) !== 1 || stride < 2) stride = (stride + 1) % size;
  return stride;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The mask of {@link keySequence} positions: op i reads `sequence[i & SEQUENCE_MASK]`. */
export const SEQUENCE_MASK = SEQUENCE_LENGTH - 1;
