import type { LayerMeta } from '@layercache/core';
import { decodeMeta } from '../codec.js';

/**
 * The expiry a membership score stands for (see `isLiveScore` in codec.ts, whose reading this
 * must match), or `undefined` when the member is absent or expired at `now`.
 */
export function scoreExpiry(score: string | number | null, now: number): number | undefined {
  if (score === null) return undefined;
  const expiresAt =
    typeof score === 'number' ? score : score === 'inf' ? Number.POSITIVE_INFINITY : Number(score);
  return expiresAt > now ? expiresAt : undefined;
}

/**
 * A stored meta with its expiry (the middle field of `<length>:<expiresAt>:<path>`, see
 * codec.ts), or `undefined` when absent, expired or not ours — exactly when `decodeMeta` gives no
 * meta.
 */
export function metaWithExpiry(
  value: string | null,
  now: number,
): { meta: LayerMeta; expiresAt: number } | undefined {
  if (value === null) return undefined;
  const meta = decodeMeta(value, now);
  if (meta === null || meta === undefined) return undefined;
  const first = value.indexOf(':');
  const expiresText = value.slice(first + 1, value.indexOf(':', first + 1));
  return { meta, expiresAt: expiresText === '' ? Number.POSITIVE_INFINITY : Number(expiresText) };
}
