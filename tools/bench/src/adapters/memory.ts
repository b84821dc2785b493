import type { LayerMeta } from '@layercache/core';
import { createMemoryCache } from '@layercache/memory';
import { type AdapterModule, heapFootprint } from './types.js';

/** `@layercache/memory` against a bare nested `Map` behind `async`. */
export const memoryAdapter: AdapterModule = {
  name: 'memory',
  description: 'in-process Map, unbounded (@layercache/memory)',
  async create() {
    const cache = createMemoryCache();
    return { cache, footprint: heapFootprint, close: () => cache.close() };
  },
  baselineLabel: 'Map behind async',
  async createBaseline() {
    let links = new Map<string, Set<string>>();
    let metas = new Map<string, LayerMeta>();
    return {
      label: 'Map behind async',
      role: 'baseline',
      async contains(repo, digest) {
        return links.get(repo)?.has(digest) === true;
      },
      async add(repo, digest) {
        const digests = links.get(repo);
        if (digests === undefined) links.set(repo, new Set([digest]));
        else digests.add(digest);
      },
      async meta(digest) {
        return metas.get(digest);
      },
      async setMeta(digest, meta) {
        metas.set(digest, { path: meta.path, length: meta.length });
      },
      footprint: heapFootprint,
      async close() {
        links = new Map();
        metas = new Map();
      },
    };
  },
  peers: ['keyv-map'],
};
