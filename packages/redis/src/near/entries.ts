import type { LayerMeta } from '@layercache/core';

interface Entry {
  /** The Redis key the entry was read from: an invalidation of it drops the entry. */
  readonly key: string;
  readonly expiresAt: number;
  readonly meta: LayerMeta | undefined;
}

/**
 * The near cache's contents: at most `max` entries in least-recently-used order (a `Map` keeps
 * insertion order; a hit moves its entry to the end), indexed by Redis key because one
 * invalidation of a repository's key drops every membership read from it.
 */
export class NearEntries {
  readonly #entries = new Map<string, Entry>();
  readonly #byKey = new Map<string, Set<string>>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live entry under `id`, moved to most recently used; an expired one is dropped. */
  get(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    // Same clock as the Redis store's own expiry check.
    if (entry.expiresAt !== Number.POSITIVE_INFINITY && entry.expiresAt <= Date.now()) {
      this.#delete(id, entry);
      return undefined;
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry;
  }

  set(id: string, key: string, expiresAt: number, meta?: LayerMeta): void {
    const old = this.#entries.get(id);
    if (old !== undefined) this.#delete(id, old);
    this.#entries.set(id, { key, expiresAt, meta });
    let ids = this.#byKey.get(key);
    if (ids === undefined) {
      ids = new Set();
      this.#byKey.set(key, ids);
    }
    ids.add(id);
    if (this.#entries.size > this.#max) {
      const [oldestId, oldest] = this.#entries.entries().next().value as [string, Entry];
      this.#delete(oldestId, oldest);
    }
  }

  /** Drops every entry read from `key`. */
  dropKey(key: string): void {
    const ids = this.#byKey.get(key);
    if (ids === undefined) return;
    this.#byKey.delete(key);
    for (const id of ids) this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
    this.#byKey.clear();
  }

  #delete(id: string, entry: Entry): void {
    this.#entries.delete(id);
    const ids = this.#byKey.get(entry.key);
    ids?.delete(id);
    if (ids?.size === 0) this.#byKey.delete(entry.key);
  }
}
