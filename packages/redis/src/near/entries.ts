import type { LayerMeta } from '@layercache/core';

interface Entry {
  /** `undefined` for a meta. */
  readonly repo: string | undefined;
  readonly digest: string;
  readonly expiresAt: number;
  readonly meta: LayerMeta | undefined;
  /** Set by a hit, cleared when eviction passes it (the CLOCK algorithm's second chance). */
  referenced: boolean;
  /** Dropped (invalidated, replaced, evicted): its place in the eviction queue is skipped. */
  dead: boolean;
}

/**
 * The near cache's contents: at most `max` entries, memberships by repository then digest and
 * metas by digest — the shape of the Redis keys, since one invalidation of a repository's key
 * drops every membership read from it, and so that a hit is two `Map` lookups of the caller's
 * strings (building one compound key per call cost more than the rest of a hit together).
 * Eviction approximates least-recently-used with CLOCK: a hit only sets a flag.
 */
export class NearEntries {
  readonly #repos = new Map<string, Map<string, Entry>>();
  readonly #metas = new Map<string, Entry>();
  readonly #max: number;
  /** Every entry in insertion order (dead ones too, until passed or compacted). */
  #queue: Entry[] = [];
  #head = 0;
  #size = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#size;
  }

  /** Places in the eviction queue, dead ones included (bounded: see `#added`). */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  membership(repo: string, digest: string): Entry | undefined {
    return this.#live(this.#repos.get(repo)?.get(digest));
  }

  meta(digest: string): Entry | undefined {
    return this.#live(this.#metas.get(digest));
  }

  setMembership(repo: string, digest: string, expiresAt: number): void {
    let digests = this.#repos.get(repo);
    if (digests === undefined) {
      digests = new Map();
      this.#repos.set(repo, digests);
    }
    const entry = this.#entry(repo, digest, expiresAt, undefined);
    this.#kill(digests.get(digest));
    digests.set(digest, entry);
    this.#added(entry);
  }

  setMeta(digest: string, expiresAt: number, meta: LayerMeta): void {
    const entry = this.#entry(undefined, digest, expiresAt, meta);
    this.#kill(this.#metas.get(digest));
    this.#metas.set(digest, entry);
    this.#added(entry);
  }

  /** Drops every membership of `repo` (one Redis key). */
  dropRepo(repo: string): void {
    const digests = this.#repos.get(repo);
    if (digests === undefined) return;
    this.#repos.delete(repo);
    for (const entry of digests.values()) this.#kill(entry);
  }

  dropMeta(digest: string): void {
    const entry = this.#metas.get(digest);
    if (entry === undefined) return;
    this.#metas.delete(digest);
    this.#kill(entry);
  }

  clear(): void {
    this.#repos.clear();
    this.#metas.clear();
    this.#queue = [];
    this.#head = 0;
    this.#size = 0;
  }

  #live(entry: Entry | undefined): Entry | undefined {
    if (entry === undefined) return undefined;
    // Same clock as the Redis store's own expiry check.
    if (entry.expiresAt !== Number.POSITIVE_INFINITY && entry.expiresAt <= Date.now()) {
      this.#remove(entry);
      return undefined;
    }
    entry.referenced = true;
    return entry;
  }

  #entry(repo: string | undefined, digest: string, expiresAt: number, meta?: LayerMeta): Entry {
    return { repo, digest, expiresAt, meta, referenced: false, dead: false };
  }

  #added(entry: Entry): void {
    this.#queue.push(entry);
    this.#size += 1;
    while (this.#size > this.#max) {
      const oldest = this.#queue[this.#head]!;
      this.#head += 1;
      if (oldest.dead) continue;
      if (oldest.referenced) {
        oldest.referenced = false;
        this.#queue.push(oldest);
        continue;
      }
      this.#remove(oldest);
    }
    // Keep the queue within a small multiple of the live entries, however many were dropped.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#queue.length > 2 * this.#size + 1024) {
      this.#queue = this.#queue.slice(this.#head).filter((queued) => !queued.dead);
      this.#head = 0;
    }
  }

  /** Removes a live entry from its map. */
  #remove(entry: Entry): void {
    if (entry.repo === undefined) {
      if (this.#metas.get(entry.digest) === entry) this.#metas.delete(entry.digest);
    } else {
      const digests = this.#repos.get(entry.repo);
      if (digests?.get(entry.digest) === entry) {
        digests.delete(entry.digest);
        if (digests.size === 0) this.#repos.delete(entry.repo);
      }
    }
    this.#kill(entry);
  }

  /** Marks an entry already taken out of its map (or about to be replaced) as gone. */
  #kill(entry: Entry | undefined): void {
    if (entry === undefined || entry.dead) return;
    entry.dead = true;
    this.#size -= 1;
  }
}
