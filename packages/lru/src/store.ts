import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import { LRUCache } from 'lru-cache';
import type { ResolvedLruOptions } from './options.js';
import { membershipSize, metaSize } from './sizes.js';

/** Size figures of an LRU cache, for monitoring. */
export interface LruCacheStats {
  /** Memberships held (expired ones count until a read or an eviction drops them). */
  readonly memberships: number;
  /** Metas held (expired ones count until a read or an eviction drops them). */
  readonly metas: number;
  /** Approximate heap bytes of the memberships, as charged against `maxSize`. */
  readonly membershipBytes: number;
  /** Approximate heap bytes of the metas, as charged against `maxSize`. */
  readonly metaBytes: number;
  /** `membershipBytes + metaBytes`. */
  readonly bytes: number;
}

/** A {@link LayerInfoStore} that can also report its {@link LruCacheStats}. */
export interface LruStore extends LayerInfoStore {
  stats(): LruCacheStats;
  /**
   * Size of the repository index, for tests and debugging: `memberships` always equals what
   * lru-cache holds, and no repository is indexed without a membership.
   */
  indexed(): {
    readonly repositories: number;
    readonly memberships: number;
    readonly empty: number;
  };
}

// Key layout. A flat `${repo}|${digest}` key would cost a string concatenation, and a hash of the
// ~100-character result, on every `contains` (~350 ns). Instead memberships are found through an
// index of repository name → digest → Membership record, where both lookups hash strings whose
// hash V8 has already cached (core's validation memo looked at the very same strings), and the
// record object itself is the lru-cache key, hashed by identity.
//
// lru-cache is the only authority on whether a membership is live: the index is just a way to
// find its key. `contains` answers true only if lru-cache still holds the record and it has not
// expired, so an index entry that outlived its record (it cannot, see `unlink`) would still read
// as a miss — eviction can never turn into a wrong positive. Records are created only by `add`
// for its own (repo, digest), so a later write to another repository or to the meta never brings
// an evicted membership back.

interface Repository {
  readonly name: string;
  readonly digests: Map<string, Membership>;
}

interface Membership {
  readonly repository: Repository;
  readonly digest: string;
}

// The clock of the TTL. lru-cache times entries with `performance.now()` by default, which fake
// timers that move `Date` (as the conformance suite does) and wall-clock changes do not reach.
// lru-cache reads a start time of 0 as "no TTL", so a clock standing at the epoch says 5e-324.
const wallClock = { now: () => Date.now() || Number.MIN_VALUE };

/**
 * Memberships and metas in two lru-cache instances, each with its own budget (half of `maxSize`
 * each), so that a burst of one kind cannot evict the other.
 */
export function createLruStore(options: ResolvedLruOptions): LruStore {
  const { max, maxSize, ttlMs } = options;
  const repositories = new Map<string, Repository>();

  // Drops an evicted, expired or removed membership from the index, and its repository once empty.
  function unlink(membership: Membership): void {
    const { repository, digest } = membership;
    if (repository.digests.get(digest) !== membership) return;
    repository.digests.delete(digest);
    if (repository.digests.size === 0 && repositories.get(repository.name) === repository) {
      repositories.delete(repository.name);
    }
  }

  // Shared lru-cache options. Sizes are always tracked (for `stats`); they bound the cache only
  // when `maxSize` is set. `ttlResolution: 0` because lru-cache otherwise caches the time for 1 ms
  // of *real* time, which a moved clock would not invalidate.
  const common = {
    max,
    ...(maxSize === undefined
      ? { maxEntrySize: Number.MAX_SAFE_INTEGER }
      : { maxSize: Math.floor(maxSize / 2) }),
    ...(ttlMs === undefined ? {} : { ttl: ttlMs, ttlResolution: 0, perf: wallClock }),
  };

  const memberships = new LRUCache<Membership, true>({
    ...common,
    sizeCalculation: (_, membership) =>
      membershipSize(membership.repository.name, membership.digest),
    dispose: (_, membership, reason) => {
      // 'set' means "value replaced", which never happens here (the value is always `true`).
      if (reason !== 'set') unlink(membership);
    },
  });

  const metas = new LRUCache<string, LayerMeta>({
    ...common,
    sizeCalculation: (meta, digest) => metaSize(digest, meta),
  });

  function forgetAll(): void {
    memberships.clear();
    repositories.clear();
    metas.clear();
  }

  return {
    contains(repo, digest) {
      const membership = repositories.get(repo)?.digests.get(digest);
      // `get` (not `has`) so that a hit refreshes recency and an expired entry is dropped.
      return membership !== undefined && memberships.get(membership) === true;
    },

    add(repo, digest) {
      let repository = repositories.get(repo);
      if (repository === undefined) {
        repository = { name: repo, digests: new Map() };
        repositories.set(repo, repository);
      }
      let membership = repository.digests.get(digest);
      if (membership === undefined) {
        membership = { repository, digest };
        // Indexed before `set`, so that evictions `set` triggers never see this repository empty.
        repository.digests.set(digest, membership);
      }
      // Restarts the TTL and makes the membership the most recently used. lru-cache refuses only
      // entries above half of `maxSize`; a membership is under 600 bytes and `maxSize` at least
      // MIN_MAX_SIZE, so the record just indexed is always stored (and later unlinked by dispose).
      memberships.set(membership, true);
    },

    remove(repo, digest) {
      const membership = repositories.get(repo)?.digests.get(digest);
      if (membership === undefined) return false;
      // `delete` also answers true for an expired entry, which was not "there" any more. Its
      // `dispose` unlinks the membership from the index.
      const live = memberships.has(membership);
      memberships.delete(membership);
      return live;
    },

    meta: (digest) => metas.get(digest),

    setMeta(digest, meta) {
      metas.set(digest, meta);
    },

    deleteMeta(digest) {
      const live = metas.has(digest);
      metas.delete(digest);
      return live;
    },

    clear: forgetAll,
    close: forgetAll,

    // The optional capabilities. They read liveness with `has`/`peek`, which neither refresh
    // recency nor restart a TTL: an operator's listing must not change what gets evicted.
    forgetDigest(digest) {
      let removed = 0;
      // Collected first: each delete's dispose edits the index being walked.
      const found: Membership[] = [];
      for (const repository of repositories.values()) {
        const membership = repository.digests.get(digest);
        if (membership !== undefined) found.push(membership);
      }
      for (const membership of found) {
        if (memberships.has(membership)) removed += 1;
        memberships.delete(membership);
      }
      return removed;
    },

    *entries() {
      for (const repository of repositories.values()) {
        for (const membership of [...repository.digests.values()]) {
          if (!memberships.has(membership)) continue;
          yield { kind: 'membership', repo: repository.name, digest: membership.digest };
        }
      }
      for (const digest of [...metas.keys()]) {
        const meta = metas.peek(digest);
        if (meta !== undefined) yield { kind: 'meta', digest, meta };
      }
    },

    stats() {
      const membershipBytes = memberships.calculatedSize;
      const metaBytes = metas.calculatedSize;
      return {
        memberships: memberships.size,
        metas: metas.size,
        membershipBytes,
        metaBytes,
        bytes: membershipBytes + metaBytes,
      };
    },

    indexed() {
      let count = 0;
      let empty = 0;
      for (const repository of repositories.values()) {
        count += repository.digests.size;
        if (repository.digests.size === 0) empty += 1;
      }
      return { repositories: repositories.size, memberships: count, empty };
    },
  };
}
