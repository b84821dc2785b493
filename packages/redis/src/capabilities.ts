import { isValidDigest, type LayerCacheEntry, type LayerInfoStore } from '@layercache/core';
import { decodeMeta, isLiveScore } from './codec.js';
import type { RedisDriver } from './driver.js';
import type { ReadinessGate } from './gate.js';
import type { KeyLayout } from './keys.js';
import { memberOf } from './keys.js';

// Keys per SCAN step and members per ZSCAN step: quick steps that never block Redis for long.
const SCAN_COUNT = 1000;

/**
 * `forgetDigest` and `entries` for the Redis store: SCAN on every master of the driver (on a
 * Cluster a node sees only its own keys), then single-key commands through the driver, which
 * routes each to its slot's master. Nothing here runs on the hot path. Core's wrapper bounds the
 * call as a whole; each step's failure is named by `mapError`.
 *
 * SCAN may return a key twice (while Redis resizes its table) and so may ZSCAN a member: both
 * are de-duplicated, so each entry is listed once — at the price of remembering the keys of one
 * node while it is scanned.
 */
export function createRedisCapabilities(
  driver: RedisDriver,
  keys: KeyLayout,
  gate: ReadinessGate,
  mapError: (error: unknown, command: string, key: string) => unknown,
): Required<Pick<LayerInfoStore, 'forgetDigest' | 'entries'>> {
  // `<prefix>r:` and `<prefix>m:`: the layout of keys.ts with an empty repository / digest.
  const membershipPrefix = keys.membership('');
  const metaPrefix = keys.meta('');

  async function* ourKeys(signal: AbortSignal | undefined): AsyncGenerator<string[]> {
    // masters() is only asked of a ready driver: a Cluster learns its masters as it connects.
    if (!driver.isReady()) await gate.wait('SCAN', keys.scanPattern, signal);
    const nodes = driver.masters();
    if (nodes.length === 0) throw new Error('the Redis Cluster has no reachable master');
    for (const node of nodes) {
      const seen = new Set<string>();
      let cursor = '0';
      do {
        signal?.throwIfAborted();
        const [next, found] = await named(
          node.scan(cursor, keys.scanPattern, SCAN_COUNT),
          'SCAN',
          keys.scanPattern,
        );
        cursor = next;
        const fresh = found.filter((key) => !seen.has(key) && keys.owns(key));
        for (const key of fresh) seen.add(key);
        if (fresh.length > 0) yield fresh;
      } while (cursor !== '0');
    }
  }

  const named = <T>(sent: Promise<T>, command: string, key: string): Promise<T> =>
    sent.catch((error: unknown) => Promise.reject(mapError(error, command, key)));

  // A sorted-set member back to its digest (the inverse of memberOf).
  const digestOf = (member: string) => (member.includes(':') ? member : `sha256:${member}`);

  async function* members(key: string, signal: AbortSignal | undefined) {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      signal?.throwIfAborted();
      const [next, pairs] = await named(driver.zscan(key, cursor, SCAN_COUNT), 'ZSCAN', key);
      cursor = next;
      const now = Date.now();
      for (const [member, score] of pairs) {
        if (seen.has(member) || !isLiveScore(score, now)) continue;
        seen.add(member);
        const digest = digestOf(member);
        if (isValidDigest(digest)) yield digest;
      }
    } while (cursor !== '0');
  }

  async function forgetIn(key: string, member: string): Promise<boolean> {
    // MULTI so that "was it there and live" and the removal are one step, as in remove().
    const score = await named(driver.zscoreAndRemove(key, member), 'ZREM', key);
    return isLiveScore(score, Date.now());
  }

  return {
    async forgetDigest(digest, signal) {
      const member = memberOf(digest);
      let removed = 0;
      for await (const batch of ourKeys(signal)) {
        const memberships = batch.filter((key) => key.startsWith(membershipPrefix));
        const answers = await Promise.all(memberships.map((key) => forgetIn(key, member)));
        for (const live of answers) if (live) removed += 1;
      }
      return removed;
    },

    async *entries(signal): AsyncGenerator<LayerCacheEntry> {
      for await (const batch of ourKeys(signal)) {
        const metaKeys = batch.filter((key) => key.startsWith(metaPrefix));
        const values = await Promise.all(metaKeys.map((key) => named(driver.get(key), 'GET', key)));
        const now = Date.now();
        for (const [i, key] of metaKeys.entries()) {
          const value = values[i];
          const meta = value == null ? undefined : decodeMeta(value, now);
          if (meta) yield { kind: 'meta', digest: key.slice(metaPrefix.length), meta };
        }
        for (const key of batch) {
          if (!key.startsWith(membershipPrefix)) continue;
          const repo = key.slice(membershipPrefix.length);
          for await (const digest of members(key, signal)) {
            yield { kind: 'membership', repo, digest };
          }
        }
      }
    },
  };
}
