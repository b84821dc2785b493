import type { LayerInfoStore, LayerMeta } from '@layercache/core';

/**
 * Memberships as repository → set of digests, so `contains` is two hash lookups and never builds
 * a compound key string. Metas are the frozen objects core validated, handed back as they are.
 */
export function createMemoryStore(): LayerInfoStore {
  const links = new Map<string, Set<string>>();
  const metas = new Map<string, LayerMeta>();

  return {
    contains: (repo, digest) => links.get(repo)?.has(digest) === true,
    add(repo, digest) {
      const digests = links.get(repo);
      if (digests === undefined) links.set(repo, new Set([digest]));
      else digests.add(digest);
    },
    remove(repo, digest) {
      const digests = links.get(repo);
      if (digests === undefined || !digests.delete(digest)) return false;
      // Drop empty sets so a registry that churns repositories does not grow without bound.
      if (digests.size === 0) links.delete(repo);
      return true;
    },
    meta: (digest) => metas.get(digest),
    setMeta(digest, meta) {
      metas.set(digest, meta);
    },
    deleteMeta: (digest) => metas.delete(digest),
    clear() {
      links.clear();
      metas.clear();
    },
    close() {
      links.clear();
      metas.clear();
    },
    // The optional capabilities: a walk over every repository, off the hot path.
    forgetDigest(digest) {
      let removed = 0;
      for (const [repo, digests] of links) {
        if (!digests.delete(digest)) continue;
        removed += 1;
        if (digests.size === 0) links.delete(repo);
      }
      return removed;
    },
    // A generator over the live Maps: an entry deleted before it is reached is skipped, and
    // the caller may delete while it iterates (Map iteration allows that).
    *entries() {
      for (const [repo, digests] of links) {
        for (const digest of digests) yield { kind: 'membership', repo, digest };
      }
      for (const [digest, meta] of metas) yield { kind: 'meta', digest, meta };
    },
  };
}
