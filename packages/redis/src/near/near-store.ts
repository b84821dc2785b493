/**
 * The near cache: an in-process copy of memberships and metas in front of a Redis store, kept
 * within `maxStalenessMs` of Redis by client-side caching (`CLIENT TRACKING`, redirect mode).
 *
 * Why the bound holds. An entry is served only while the last completed fence was *sent* less
 * than `maxStalenessMs` ago (monotonic clock). A fence sends, together, `CLIENT TRACKINGINFO` on
 * the connection the store reads on (D) and `PING` on the subscriber (S) that D's invalidations
 * are redirected to; it completes when both answer, D's tracking is `on` with redirect = S's id
 * and no `broken_redirect`. Take a revocation W of key k acknowledged at t_a, and an entry for k
 * read by R on D before W ran (a read after W is not stale). R was tracked: fills are kept only
 * when sent after tracking was confirmed on D's current connection, and any close or reconnect
 * of D or S discards every fill and entry. So when W ran, Redis either queued an invalidation of
 * k on S or — S being gone — set D's `broken_redirect` flag, which only re-enabling tracking
 * clears. A fence sent after t_a has both commands run after W: TRACKINGINFO sees no broken flag,
 * so the invalidation was queued on S before the PONG, and S is one ordered TCP stream, so it was
 * handled before the fence completed — dropping the entry, or marking R's fill (in flight since
 * before W ran) as not to be kept. Hence when the entry is served at t, the last completed fence
 * started before t_a, so t − t_a < `maxStalenessMs`. A cut link answers no fence, and the near
 * cache stops answering; the redirect is proven end to end (a probe key's invalidation) when
 * tracking is set up, so D and S are on the same server.
 *
 * On a Redis Cluster the link is one per master, fenced together: see cluster-link.ts for why the
 * bound holds there too, and what it is measured from.
 *
 * Within the process, a write by this cache drops the entries of its key before it is sent, and
 * fills of that key sent before it or while it runs are not kept.
 */
import type { LayerInfoStore, LayerMeta } from '@layercache/core';
import { NearEntries } from './entries.js';
import type { NearReads, TrackingEvents, TrackingLink } from './link.js';
import type { NearCounters } from './metrics.js';

export interface NearStoreOptions {
  readonly max: number;
  readonly maxStalenessMs: number;
  /**
   * What the store's Redis keys start with: a membership key is `membershipPrefix + repo`, a
   * meta key `metaPrefix + digest` (keys.ts), so an invalidated key names what to drop.
   */
  readonly keys: { readonly membershipPrefix: string; readonly metaPrefix: string };
  readonly counters: NearCounters;
}

/** A read on its way to Redis whose answer may become an entry. */
interface Fill {
  readonly epoch: number;
  /** Set when its key was invalidated or written while it was in flight. */
  dirty: boolean;
}

/**
 * Reads in flight and writes of this cache in flight, per Redis key (a repository for
 * memberships, a digest for metas).
 */
class KeyActivity {
  readonly #fills = new Map<string, Set<Fill>>();
  readonly #writes = new Map<string, number>();

  /** A fill of `name`, or `undefined` when a write of it is in flight (then it is not kept). */
  begin(name: string, epoch: number): Fill | undefined {
    if (this.#writes.has(name)) return undefined;
    const fill: Fill = { epoch, dirty: false };
    let pending = this.#fills.get(name);
    if (pending === undefined) {
      pending = new Set();
      this.#fills.set(name, pending);
    }
    pending.add(fill);
    return fill;
  }

  end(name: string, fill: Fill): void {
    const pending = this.#fills.get(name);
    pending?.delete(fill);
    if (pending?.size === 0) this.#fills.delete(name);
  }

  /** The fills of `name` in flight must not be kept. */
  spoil(name: string): void {
    const pending = this.#fills.get(name);
    if (pending !== undefined) for (const fill of pending) fill.dirty = true;
  }

  /** A write of `name` starts; the returned function ends it. */
  write(name: string): () => void {
    this.#writes.set(name, (this.#writes.get(name) ?? 0) + 1);
    return () => {
      const count = this.#writes.get(name)! - 1;
      if (count === 0) this.#writes.delete(name);
      else this.#writes.set(name, count);
    };
  }
}

// Fences pause after this long without a lookup: an idle process sends no PINGs.
const IDLE_MS = 1000;

/**
 * Wraps `store` with a near cache. `connect` starts the tracking link, reporting to the events it
 * is given. Every call not answered in process goes to `store` (writes) or `reads` (fills).
 */
export function createNearStore(
  store: LayerInfoStore,
  reads: NearReads,
  connect: (events: TrackingEvents) => TrackingLink,
  options: NearStoreOptions,
): LayerInfoStore {
  const { maxStalenessMs, counters } = options;
  const { membershipPrefix, metaPrefix } = options.keys;
  const entries = new NearEntries(options.max);
  const repos = new KeyActivity();
  const metas = new KeyActivity();
  let clearing = 0;
  // Bumped by every flush: fills sent before it are not kept.
  let epoch = 0;
  let lastFence = Number.NEGATIVE_INFINITY;
  let fencing = false;
  let closed = false;
  let lastUse = performance.now();
  // A fence is started from the read path too once the last one is this old: timers run late
  // when the process is busy, and entries must not go stale for want of a fence.
  const refreshAfter = maxStalenessMs / 2;

  function flush(): void {
    epoch += 1;
    if (entries.size > 0) counters.flush();
    entries.clear();
  }

  function dropRepo(repo: string): void {
    entries.dropRepo(repo);
    repos.spoil(repo);
  }

  function dropMeta(digest: string): void {
    entries.dropMeta(digest);
    metas.spoil(digest);
  }

  const link = connect({
    invalidate(keys) {
      if (keys === null) {
        counters.invalidations(1);
        flush();
        return;
      }
      counters.invalidations(keys.length);
      for (const key of keys) {
        if (key.startsWith(membershipPrefix)) dropRepo(key.slice(membershipPrefix.length));
        else if (key.startsWith(metaPrefix)) dropMeta(key.slice(metaPrefix.length));
      }
    },
    reset() {
      lastFence = Number.NEGATIVE_INFINITY;
      flush();
    },
  });

  function fence(): void {
    if (fencing || !link.ready) return;
    fencing = true;
    const started = performance.now();
    link.fence().then((ok) => {
      fencing = false;
      if (ok) lastFence = Math.max(lastFence, started);
      else flush();
    });
  }
  // The fence timer runs only while the cache is in use: an idle process is not woken up.
  let timer: NodeJS.Timeout | undefined;
  function tick(): void {
    if (performance.now() - lastUse < IDLE_MS) {
      fence();
      return;
    }
    clearInterval(timer);
    timer = undefined;
  }
  function keepFencing(): void {
    if (timer !== undefined || closed) return;
    timer = setInterval(tick, Math.max(1, Math.floor(maxStalenessMs / 3)));
    timer.unref();
  }

  /** Whether entries may be served now (the proof in the header); keeps fences coming. */
  function fresh(): boolean {
    const now = performance.now();
    lastUse = now;
    if (timer === undefined) keepFencing();
    const age = now - lastFence;
    if (age >= refreshAfter) fence();
    return age < maxStalenessMs;
  }

  function begin(activity: KeyActivity, name: string) {
    return link.ready && clearing === 0 ? activity.begin(name, epoch) : undefined;
  }

  /** Runs a write of this cache: its entries go at once, and racing fills are not kept. */
  function write<R>(
    activity: KeyActivity,
    name: string,
    drop: (name: string) => void,
    run: () => PromiseLike<R> | R,
  ): Promise<R> {
    drop(name);
    const done = activity.write(name);
    let pending: PromiseLike<R> | R;
    try {
      pending = run();
    } catch (error) {
      done();
      throw error;
    }
    return Promise.resolve(pending).finally(done);
  }

  /**
   * Whether a fill's answer may become an entry: nothing spoilt it, no flush since it was sent,
   * and the link is still ready — on a Cluster the pool can change under a read without an event
   * (cluster-link.ts), which `ready` notices.
   */
  function kept(fill: Fill): boolean {
    return !fill.dirty && fill.epoch === epoch && link.ready;
  }

  function fillMembership(repo: string, digest: string) {
    counters.miss();
    const fill = begin(repos, repo);
    return reads.membershipExpiry(repo, digest).then(
      (expiresAt) => {
        if (fill !== undefined) {
          repos.end(repo, fill);
          if (kept(fill) && expiresAt !== undefined) {
            entries.setMembership(repo, digest, expiresAt);
          }
        }
        return expiresAt !== undefined;
      },
      (error: unknown) => {
        if (fill !== undefined) repos.end(repo, fill);
        throw error;
      },
    );
  }

  function fillMeta(digest: string) {
    counters.miss();
    const fill = begin(metas, digest);
    return reads.metaEntry(digest).then(
      (found) => {
        if (fill !== undefined) {
          metas.end(digest, fill);
          if (kept(fill) && found !== undefined) {
            entries.setMeta(digest, found.expiresAt, found.meta);
          }
        }
        return found?.meta;
      },
      (error: unknown) => {
        if (fill !== undefined) metas.end(digest, fill);
        throw error;
      },
    );
  }

  return {
    contains(repo, digest) {
      if (fresh() && entries.membership(repo, digest) !== undefined) {
        counters.hit();
        return true;
      }
      return fillMembership(repo, digest);
    },

    meta(digest) {
      if (fresh()) {
        const entry = entries.meta(digest);
        if (entry !== undefined) {
          counters.hit();
          return entry.meta;
        }
      }
      return fillMeta(digest);
    },

    add: (repo, digest, signal) =>
      write(repos, repo, dropRepo, () => store.add(repo, digest, signal)),
    remove: (repo, digest, signal) =>
      write(repos, repo, dropRepo, () => store.remove(repo, digest, signal)),
    setMeta: (digest, meta: LayerMeta, signal) =>
      write(metas, digest, dropMeta, () => store.setMeta(digest, meta, signal)),
    deleteMeta: (digest, signal) =>
      write(metas, digest, dropMeta, () => store.deleteMeta(digest, signal)),

    clear(signal) {
      flush();
      clearing += 1;
      let pending: PromiseLike<void> | void;
      try {
        pending = store.clear(signal);
      } catch (error) {
        clearing -= 1;
        throw error;
      }
      return Promise.resolve(pending).finally(() => {
        clearing -= 1;
      });
    },

    async close() {
      closed = true;
      clearInterval(timer);
      flush();
      try {
        await link.close();
      } finally {
        await store.close?.();
      }
    },
  };
}
