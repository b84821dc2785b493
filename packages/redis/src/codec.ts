import type { LayerMeta } from '@layercache/core';

/**
 * Membership scores are expiry times in milliseconds since the epoch, compared with the
 * client's `Date.now()` on every read, so an entry expires exactly on time even though Redis
 * only stores it. `+inf` never expires. RESP2 (and ioredis 6's default "legacy" reply mapping on
 * RESP3) replies a string (`"inf"`, `"1767225600000"`); a client with RESP3 reply types
 * (`replyMapping: 'resp3'`) replies a number (`Infinity`).
 */
export function isLiveScore(score: string | number | null, now: number): boolean {
  if (score === null) return false;
  if (typeof score === 'number') return score > now;
  return score === 'inf' || Number(score) > now;
}

/**
 * A meta is stored as one string, `<length>:<expiresAt>:<path>`, with `expiresAt` empty when it
 * never expires: smaller than a hash, one GET to read, and the path (which may hold `:`) last so
 * it needs no escaping.
 */
export function encodeMeta(meta: LayerMeta, expiresAt: number | undefined): string {
  return `${meta.length}:${expiresAt ?? ''}:${meta.path}`;
}

const DIGITS = /^(0|[1-9][0-9]*)$/;

/**
 * The stored meta, `undefined` if it has expired, or `null` if the value was not written by this
 * adapter (garbage, an older layout, a hand-edited key). Strict: a value that does not parse
 * exactly is never turned into a meta.
 */
export function decodeMeta(value: string, now: number): LayerMeta | undefined | null {
  const first = value.indexOf(':');
  const second = first < 0 ? -1 : value.indexOf(':', first + 1);
  if (second < 0) return null;
  const lengthText = value.slice(0, first);
  const expiresText = value.slice(first + 1, second);
  const path = value.slice(second + 1);
  if (!DIGITS.test(lengthText) || path.length === 0 || path.includes('\0')) return null;
  const length = Number(lengthText);
  if (!Number.isSafeInteger(length)) return null;
  if (expiresText !== '') {
    if (!DIGITS.test(expiresText)) return null;
    if (Number(expiresText) <= now) return undefined;
  }
  return { path, length };
}
