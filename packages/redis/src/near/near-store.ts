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
  /** The Redis keys the store reads, so that invalidations can be matched to entries. */
  readonly keys: { membership(repo: string): string; meta(digest: string): string };
  readonly counters: NearCounters;
}

/** A read on its way to Redis whose answer may become an entry. */
interface Fill {
  readonly epoch: number;
  /** Set when its key was invalidated or written while it was in flight. */
  dirty: boolean;
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
  const { maxStalenessMs, keys, counters } = options;
  const entries = new NearEntries(options.max);
  const fills = new Map<string, Set<Fill>>();
  // Keys with a write of this cache in flight, and whether a clear() is: fills are not kept then.
  const writing = new Map<string, number>();
  let clearing = 0;
  // Bumped by every flush: fills sent before it are not kept.
  let epoch = 0;
  let lastFence = Number.NEGATIVE_INFINITY;
  let fencing = false;
  let lastUse = performance.now();

  function flush(): void {
    epoch += 1;
    if (entries.size > 0) counters.flush();
    entries.clear();
  }

  function invalidate(key: string): void {
    entries.dropKey(key);
    const pending = fills.get(key);
    if (pending !== undefined) for (const fill of pending) fill.dirty = true;
  }

  const link = connect({
    invalidate(invalidated) {
      if (invalidated === null) {
        counters.invalidations(1);
        flush();
        return;
      }
      counters.invalidations(invalidated.length);
      for (const key of invalidated) invalidate(key);
    },
    reset() {
      lastFence = Number.NEGATIVE_INFINITY;
      flush();
    },
  });

  function fence(): void {
    if (fencing) return;
    fencing = true;
    const started = performance.now();
    link.fence().then((ok) => {
      fencing = false;
      if (ok) lastFence = Math.max(lastFence, started);
      else flush();
    });
  }
  const period = Math.max(1, Math.floor(maxStalenessMs / 3));
  const timer = setInterval(() => {
    if (performance.now() - lastUse < IDLE_MS && link.ready) fence();
  }, period);
  timer.unref();

  /** Whether entries may be served now; if not, a fence is started so they soon may be. */
  function fresh(): boolean {
    const now = performance.now();
    lastUse = now;
    if (now - lastFence < maxStalenessMs) return true;
    if (link.ready) fence();
    return false;
  }

  function begin(key: string): Fill | undefined {
    if (!link.ready || clearing > 0 || writing.has(key)) return undefined;
    const fill: Fill = { epoch, dirty: false };
    let pending = fills.get(key);
    if (pending === undefined) {
      pending = new Set();
      fills.set(key, pending);
    }
    pending.add(fill);
    return fill;
  }

  /** Whether the fill's answer may be kept; ends the fill either way. */
  function end(key: string, fill: Fill): boolean {
    const pending = fills.get(key);
    pending?.delete(fill);
    if (pending?.size === 0) fills.delete(key);
    return !fill.dirty && fill.epoch === epoch;
  }

  /** Runs a write of this cache to `key`: its entries go at once, racing fills are not kept. */
  function write<R>(key: string, run: () => PromiseLike<R> | R): Promise<R> {
    invalidate(key);
    writing.set(key, (writing.get(key) ?? 0) + 1);
    const done = () => {
      const count = writing.get(key)! - 1;
      if (count === 0) writing.delete(key);
      else writing.set(key, count);
    };
    let pending: PromiseLike<R> | R;
    try {
      pending = run();
    } catch (error) {
      done();
      throw error;
    }
    return Promise.resolve(pending).finally(done);
  }

  function fillMembership(key: string, id: string, repo: string, digest: string) {
    counters.miss();
    const fill = begin(key);
    return reads.membershipExpiry(repo, digest).then(
      (expiresAt) => {
        if (fill !== undefined && end(key, fill) && expiresAt !== undefined) {
          entries.set(id, key, expiresAt);
        }
        return expiresAt !== undefined;
      },
      (error: unknown) => {
        if (fill !== undefined) end(key, fill);
        throw error;
      },
    );
  }

  function fillMeta(key: string, digest: string) {
    counters.miss();
    const fill = begin(key);
    return reads.metaEntry(digest).then(
      (found) => {
        if (fill !== undefined && end(key, fill) && found !== undefined) {
          entries.set(key, key, found.expiresAt, found.meta);
        }
        return found?.meta;
      },
      (error: unknown) => {
        if (fill !== undefined) end(key, fill);
        throw error;
      },
    );
  }

  return {
    contains(repo, digest) {
      const key = keys.membership(repo);
      // Digests hold no newline: the id of a membership cannot collide with another.
      const id = `${key}\n${digest}`;
      if (fresh() && entries.get(id) !== undefined) {
        counters.hit();
        return true;
      }
      return fillMembership(key, id, repo, digest);
    },

    meta(digest) {
      const key = keys.meta(digest);
      if (fresh()) {
        const entry = entries.get(key);
        if (entry !== undefined) {
          counters.hit();
          return entry.meta;
        }
      }
      return fillMeta(key, digest);
    },

    add: (repo, digest, signal) =>
      write(keys.membership(repo), () => store.add(repo, digest, signal)),
    remove: (repo, digest, signal) =>
      write(keys.membership(repo), () => store.remove(repo, digest, signal)),
    setMeta: (digest, meta: LayerMeta, signal) =>
      write(keys.meta(digest), () => store.setMeta(digest, meta, signal)),
    deleteMeta: (digest, signal) =>
      write(keys.meta(digest), () => store.deleteMeta(digest, signal)),

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
