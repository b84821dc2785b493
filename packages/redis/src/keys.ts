import { isValidDigest, isValidRepository } from '@layercache/core';

/**
 * The key layout (documented in the README):
 *
 * - `<prefix>r:<repo>` — a sorted set per repository: member = digest (see {@link memberOf}),
 *   score = expiry time in ms since the epoch (`+inf` without a TTL). One key per repository keeps `remove` a single
 *   atomic command on one key, so it is correct on a Cluster and cannot be undone by an `add` to
 *   another repository.
 * - `<prefix>m:<digest>` — a string per digest holding the meta (see codec.ts).
 *
 * Repository names never contain `:` and digests contain exactly one, so the suffix after
 * `r:` / `m:` identifies a key as ours unambiguously, even when another cache's prefix starts
 * with ours (`a:` and `a:r:`): `clear()` deletes a key only if its suffix is a valid repository
 * name or digest.
 */
export interface KeyLayout {
  membership(repo: string): string;
  meta(digest: string): string;
  /** The SCAN MATCH pattern that finds every key that may be ours (and maybe others'). */
  readonly scanPattern: string;
  /** Whether a key SCAN returned belongs to this cache. */
  owns(key: string): boolean;
}

export function createKeyLayout(prefix: string): KeyLayout {
  const membershipPrefix = `${prefix}r:`;
  const metaPrefix = `${prefix}m:`;
  return {
    membership: (repo) => membershipPrefix + repo,
    meta: (digest) => metaPrefix + digest,
    scanPattern: `${escapeGlob(prefix)}*`,
    owns(key) {
      if (key.startsWith(membershipPrefix)) {
        return isValidRepository(key.slice(membershipPrefix.length));
      }
      if (key.startsWith(metaPrefix)) return isValidDigest(key.slice(metaPrefix.length));
      return false;
    },
  };
}

// SCAN MATCH is a glob: a prefix holding `*`, `?`, `[` or `\` must match only itself.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

const SHA256 = 'sha256:';

/**
 * The sorted-set member for a digest: a `sha256:` digest is stored as its 64 hex characters, any
 * other digest as it is (it always contains `:`, so the two forms cannot collide). 64 bytes is
 * Redis' default `zset-max-listpack-value`: with the 71-byte full form every repository set
 * would use the skiplist encoding, which measured 5–6 times the memory for small repositories.
 */
export function memberOf(digest: string): string {
  return digest.startsWith(SHA256) ? digest.slice(SHA256.length) : digest;
}
