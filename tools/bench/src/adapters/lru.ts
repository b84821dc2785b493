import type { LayerMeta } from '@layercache/core';
import { createLruCache } from '@layercache/lru';
import { LRUCache } from 'lru-cache';
import { type AdapterModule, heapFootprint } from './types.js';

/** Large enough that nothing is evicted while measuring: we compare lookups, not eviction. */
const MAX_ENTRIES = 2_000_000;

/** `@layercache/lru` against raw `lru-cache` behind `async`. */
export const lruAdapter: AdapterModule = {
  name: 'lru',
  description: 'in-process, bounded by entries/bytes, optional TTL (@layercache/lru on lru-cache)',
  async create() {
    const cache = createLruCache({ max: MAX_ENTRIES });
    return { cache, footprint: heapFootprint, close: () => cache.close() };
  },
  baselineLabel: 'raw lru-cache',
  async createBaseline() {
    // One cache for memberships (a compound key) and one for metas, as a user would write it.
    const links = new LRUCache<string, true>({ max: MAX_ENTRIES });
    const metas = new LRUCache<string, LayerMeta>({ max: MAX_ENTRIES });
    return {
      label: 'raw lru-cache',
      role: 'baseline',
      async contains(repo, digest) {
        return links.get(`${repo}@${digest}`) === true;
      },
      async add(repo, digest) {
        links.set(`${repo}@${digest}`, true);
      },
      async meta(digest) {
        return metas.get(digest);
      },
      async setMeta(digest, meta) {
        metas.set(digest, { path: meta.path, length: meta.length });
      },
      footprint: heapFootprint,
      async close() {
        links.clear();
        metas.clear();
      },
    };
  },
  peers: ['keyv-map'],
};
