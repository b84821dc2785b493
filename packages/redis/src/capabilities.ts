import { isValidDigest, type LayerCacheEntry, type LayerInfoStore } from '@layercache/core';
import type { Cluster, Redis } from 'ioredis';
import { waitForReady } from './clear.js';
import { isCluster } from './client.js';
import { decodeMeta, isLiveScore } from './codec.js';
import type { Deadlines } from './deadline.js';
import type { KeyLayout } from './keys.js';
import { memberOf } from './keys.js';

// Keys per SCAN step and members per ZSCAN step: quick steps that never block Redis for long.
const SCAN_COUNT = 1000;

/**
 * `forgetDigest` and `entries` for the Redis store: SCAN on every master (on a Cluster a node
 * sees only its own keys), then single-key commands through the client, which routes each to
 * its slot's master. Nothing here runs on the hot path.
 *
 * SCAN may return a key twice (while Redis resizes its table) and so may ZSCAN a member: both
 * are de-duplicated, so each entry is listed once — at the price of remembering the keys of one
 * node while it is scanned.
 */
export function createRedisCapabilities(
  client: Redis | Cluster,
  keys: KeyLayout,
  deadlines: Deadlines,
): Required<Pick<LayerInfoStore, 'forgetDigest' | 'entries'>> {
  // `<prefix>r:` and `<prefix>m:`: the layout of keys.ts with an empty repository / digest.
  const membershipPrefix = keys.membership('');
  const metaPrefix = keys.meta('');

  async function* ourKeys(signal: AbortSignal | undefined): AsyncGenerator<string[]> {
    let nodes: Redis[];
    if (isCluster(client)) {
      await waitForReady(client, deadlines);
      nodes = client.nodes('master');
      if (nodes.length === 0) throw new Error('the Redis Cluster has no reachable master');
    } else {
      nodes = [client];
    }
    for (const node of nodes) {
      const seen = new Set<string>();
      let cursor = '0';
      do {
        signal?.throwIfAborted();
        const [next, found] = await deadlines.guard(
          node.scan(cursor, 'MATCH', keys.scanPattern, 'COUNT', SCAN_COUNT),
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

  // A sorted-set member back to its digest (the inverse of memberOf).
  const digestOf = (member: string) => (member.includes(':') ? member : `sha256:${member}`);

  async function* members(key: string, signal: AbortSignal | undefined) {
    const seen = new Set<string>();
    let cursor = '0';
    do {
      signal?.throwIfAborted();
      const [next, flat] = await deadlines.guard(
        client.zscan(key, cursor, 'COUNT', SCAN_COUNT),
        'ZSCAN',
        key,
      );
      cursor = next;
      const now = Date.now();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const member = flat[i]!;
        if (seen.has(member) || !isLiveScore(flat[i + 1]!, now)) continue;
        seen.add(member);
        const digest = digestOf(member);
        if (isValidDigest(digest)) yield digest;
      }
    } while (cursor !== '0');
  }

  async function forgetIn(key: string, member: string): Promise<boolean> {
    // MULTI so that "was it there and live" and the removal are one step, as in remove().
    const results = await deadlines.guard(
      client.multi().zscore(key, member).zrem(key, member).exec(),
      'ZREM',
      key,
    );
    if (results === null) throw new Error(`MULTI on ${key} was aborted`);
    for (const [error] of results) if (error) throw error;
    return isLiveScore(results[0]![1] as string | null, Date.now());
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
        const values = await Promise.all(
          metaKeys.map((key) => deadlines.guard(client.get(key), 'GET', key)),
        );
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
