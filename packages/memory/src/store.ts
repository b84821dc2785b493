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
  };
}
