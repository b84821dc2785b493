import type { LayerMeta } from '@layercache/core';

/**
 * What the near cache needs from Redis' client-side caching, whatever client library provides
 * it. See `near-store.ts` for why these three things are enough for the staleness bound.
 */
export interface TrackingLink {
  /**
   * `true` while tracking is confirmed on the connection the store reads on: a read sent now is
   * remembered by Redis, and a later write of its key sends an invalidation. `false` between a
   * reset and the next confirmation; reads sent then are not kept.
   */
  readonly ready: boolean;
  /**
   * Resolves `true` once every invalidation for a write Redis executed before this call was made
   * has been handed to {@link TrackingEvents.invalidate} — and tracking was neither off nor
   * redirected to a connection that is gone. Resolves `false` (never rejects) when that cannot
   * be shown: a failed command, a broken redirect, a reset while it ran.
   */
  fence(): Promise<boolean>;
  /** Stops tracking and closes what the link opened. Idempotent. */
  close(): Promise<void>;
}

/** What a {@link TrackingLink} reports, in the order Redis sent it. */
export interface TrackingEvents {
  /** These Redis keys were changed, expired or evicted; `null`: every key (FLUSHALL, FLUSHDB). */
  invalidate(keys: readonly string[] | null): void;
  /**
   * Tracking may have missed invalidations (a connection closed or reconnected, the redirect
   * broke, the link closed): nothing read before can be trusted. `ready` is `false` after it.
   */
  reset(reason: string): void;
}

/**
 * The two reads the near cache fills from, answered with the entry's expiry (ms since the epoch
 * by `Date.now()`, `Infinity` when it never expires) so a near entry expires when the Redis one
 * does. `undefined`: no live entry. They fail as the store's `contains` and `meta` do.
 */
export interface NearReads {
  membershipExpiry(repo: string, digest: string): Promise<number | undefined>;
  metaEntry(digest: string): Promise<{ meta: LayerMeta; expiresAt: number } | undefined>;
}

/** How a tracking link is opened (see ioredis-link.ts). */
export interface TrackingLinkOptions {
  /** Keys of this prefix are written to check that tracking works. */
  readonly probePrefix: string;
  readonly timeoutMs: number;
}

/** Opens one near cache's view of the tracking link of a connection. */
export type TrackingLinkFactory = (events: TrackingEvents) => TrackingLink;
