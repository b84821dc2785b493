import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerCacheEntry, LayerInfoCache } from '../types.js';
import { digest, EDGE_METAS, short } from './fixtures.js';
import type { Harness } from './harness.js';

// The optional store capabilities (DESIGN.md §3): forgetting a digest in every repository, and
// listing the entries. Each group runs when the adapter declares it; an undeclared one is
// reported as skipped with the reason in its title, and a declared one the cache lacks fails.

const REPOS = ['library/ubuntu', 'library/debian', 'team/app', 'team/app/sub', 'a'];
const ALGORITHMS = ['sha256', 'sha384', 'sha512', 'blake3'];

function forgetting(cache: LayerInfoCache) {
  expect(typeof cache.forgetDigest, 'the cache declares forgetDigest but has no such method').toBe(
    'function',
  );
  return cache.forgetDigest!.bind(cache);
}

function listing(cache: LayerInfoCache) {
  expect(typeof cache.entries, 'the cache declares entries but has no such method').toBe(
    'function',
  );
  return cache.entries!.bind(cache);
}

/** Every entry as a sortable string, so a listing compares with what was written. */
function keyOf(entry: LayerCacheEntry): string {
  return entry.kind === 'membership'
    ? `membership ${entry.repo} ${entry.digest}`
    : `meta ${entry.digest} ${JSON.stringify([entry.meta.path, entry.meta.length])}`;
}

async function listed(cache: LayerInfoCache): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of listing(cache)()) keys.push(keyOf(entry));
  return keys.sort();
}

function skipTitle(capability: string, cache: string): string {
  return `capability "${capability}" (skipped: not declared by ${cache}; declare { ${capability}: true } to check it)`;
}

export function capabilityChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const d = digest('forgotten');
  const kept = digest('kept');

  const forgetDeclared = h.capabilities.forgetDigest === true;
  describe.skipIf(!forgetDeclared)(
    forgetDeclared ? 'capability "forgetDigest"' : skipTitle('forgetDigest', h.name),
    () => {
      it('removes the digest in every repository and resolves how many', t, async () => {
        const { cache } = await h.open();
        for (const repo of REPOS) await cache.add(repo, d);
        expect(await forgetting(cache)(d)).toBe(REPOS.length);
        for (const repo of REPOS) {
          expect(await cache.contains(repo, d), `contains(${repo}) after forgetDigest`).toBe(false);
        }
      });

      it('keeps other digests, in the same repositories too', t, async () => {
        const { cache } = await h.open();
        for (const repo of REPOS) {
          await cache.add(repo, d);
          await cache.add(repo, kept);
        }
        await forgetting(cache)(d);
        for (const repo of REPOS) {
          expect(await cache.contains(repo, kept), `contains(${repo}, kept)`).toBe(true);
        }
      });

      it('keeps the same hex under another algorithm, and every algorithm apart', t, async () => {
        const { cache } = await h.open();
        const all = ALGORITHMS.map((algorithm) => digest('same-label', algorithm));
        for (const x of all) await cache.add('library/x', x);
        expect(await forgetting(cache)(all[0]!)).toBe(1);
        expect(await cache.contains('library/x', all[0]!)).toBe(false);
        for (const x of all.slice(1)) {
          expect(await cache.contains('library/x', x), short(x)).toBe(true);
        }
        // blake3 and sha256 of one label share their hex here: forgetting one keeps the other.
        expect(await forgetting(cache)(all[3]!)).toBe(1);
        expect(await cache.contains('library/x', all[2]!)).toBe(true);
      });

      it('leaves the meta of the digest alone', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        await cache.setMeta(d, { path: '/blobs/forgotten', length: 7 });
        await forgetting(cache)(d);
        expect(await cache.meta(d)).toEqual({ path: '/blobs/forgotten', length: 7 });
      });

      it('resolves 0 for a digest no repository holds', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', kept);
        await cache.setMeta(d, { path: '/blobs/only-meta', length: 1 });
        expect(await forgetting(cache)(d)).toBe(0);
      });

      it('counts a removed membership once: a second forgetDigest resolves 0', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        await cache.add('library/ubuntu', d);
        expect(await forgetting(cache)(d)).toBe(1);
        expect(await forgetting(cache)(d)).toBe(0);
      });

      it('a later add to one repository does not bring the others back', t, async () => {
        const { cache } = await h.open();
        for (const repo of REPOS) await cache.add(repo, d);
        await forgetting(cache)(d);
        await cache.add('library/ubuntu', d);
        expect(await cache.contains('library/ubuntu', d)).toBe(true);
        for (const repo of REPOS.slice(1)) {
          expect(await cache.contains(repo, d), `contains(${repo})`).toBe(false);
        }
      });

      it('rejects an invalid digest with InvalidArgumentError and removes nothing', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        for (const bad of ['', 'sha256:', d.toUpperCase(), `${d}*`, 'md5:abc', 42]) {
          await expect(
            forgetting(cache)(bad as string),
            `forgetDigest(${String(bad)})`,
          ).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'digest' });
        }
        expect(await cache.contains('library/ubuntu', d)).toBe(true);
      });

      it('an already aborted call rejects with the reason and removes nothing', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        const reason = new Error('operator gave up');
        await expect(forgetting(cache)(d, { signal: AbortSignal.abort(reason) })).rejects.toBe(
          reason,
        );
        expect(await cache.contains('library/ubuntu', d)).toBe(true);
      });

      it('rejects with ClosedError after close', t, async () => {
        const { cache } = await h.open();
        const forget = forgetting(cache);
        await cache.close();
        await expect(forget(d)).rejects.toMatchObject({ code: ErrorCode.Closed });
      });

      it('many digests in many repositories, forgotten one by one', t, async () => {
        const { cache } = await h.open();
        const digests = Array.from({ length: 30 }, (_, i) => digest(`bulk-${i}`));
        const repos = Array.from({ length: 12 }, (_, i) => `bulk/repo-${i}`);
        await Promise.all(
          repos.flatMap((repo, r) =>
            digests.filter((_, i) => (i + r) % 3 !== 0).map((x) => cache.add(repo, x)),
          ),
        );
        for (const [i, x] of digests.entries()) {
          const expected = repos.filter((_, r) => (i + r) % 3 !== 0).length;
          expect(await forgetting(cache)(x), `forgetDigest(bulk-${i})`).toBe(expected);
        }
        for (const repo of repos) expect(await cache.contains(repo, digests[1]!)).toBe(false);
      });
    },
  );

  const entriesDeclared = h.capabilities.entries === true;
  describe.skipIf(!entriesDeclared)(
    entriesDeclared ? 'capability "entries"' : skipTitle('entries', h.name),
    () => {
      it('an empty cache lists nothing', t, async () => {
        const { cache } = await h.open();
        expect(await listed(cache)).toEqual([]);
      });

      it('lists every membership and meta exactly once', t, async () => {
        const { cache } = await h.open();
        const expected: string[] = [];
        for (const repo of REPOS) {
          for (const algorithm of ALGORITHMS) {
            const x = digest(`listed-${repo}`, algorithm);
            await cache.add(repo, x);
            await cache.add(repo, x);
            expected.push(keyOf({ kind: 'membership', repo, digest: x }));
          }
        }
        for (const [i, [, meta]] of EDGE_METAS.entries()) {
          const x = digest(`listed-meta-${i}`, ALGORITHMS[i % ALGORITHMS.length]);
          await cache.setMeta(x, meta);
          expected.push(keyOf({ kind: 'meta', digest: x, meta }));
        }
        expect(await listed(cache)).toEqual(expected.sort());
      });

      it('lists the last meta set, not an earlier one', t, async () => {
        const { cache } = await h.open();
        await cache.setMeta(d, { path: '/first', length: 1 });
        await cache.setMeta(d, { path: '/second', length: 2 });
        expect(await listed(cache)).toEqual([
          keyOf({ kind: 'meta', digest: d, meta: { path: '/second', length: 2 } }),
        ]);
      });

      it('does not list what was removed, deleted, forgotten or cleared', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        await cache.add('library/debian', d);
        await cache.add('library/ubuntu', kept);
        await cache.setMeta(d, { path: '/d', length: 1 });
        await cache.setMeta(kept, { path: '/kept', length: 2 });
        await cache.remove('library/ubuntu', d);
        await cache.deleteMeta(d);
        await cache.forgetDigest?.(d);
        if (cache.forgetDigest === undefined) await cache.remove('library/debian', d);
        expect(await listed(cache)).toEqual(
          [
            keyOf({ kind: 'membership', repo: 'library/ubuntu', digest: kept }),
            keyOf({ kind: 'meta', digest: kept, meta: { path: '/kept', length: 2 } }),
          ].sort(),
        );
        await cache.clear();
        expect(await listed(cache)).toEqual([]);
      });

      it('lists thousands of entries once each (past any page size)', t, async () => {
        const { cache } = await h.open();
        const count = 2500;
        const expected: string[] = [];
        const writes: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          const x = digest(`page-${i}`);
          const repo = `pages/repo-${i % 7}`;
          writes.push(cache.add(repo, x));
          expected.push(keyOf({ kind: 'membership', repo, digest: x }));
          if (i % 2 === 0) {
            const meta = { path: `/blobs/${i}`, length: i };
            writes.push(cache.setMeta(x, meta));
            expected.push(keyOf({ kind: 'meta', digest: x, meta }));
          }
        }
        await Promise.all(writes);
        const keys = await listed(cache);
        expect(new Set(keys).size, 'an entry was listed twice').toBe(keys.length);
        expect(keys).toEqual(expected.sort());
      });

      it('lets the caller remove each entry as it is listed, and lists each once', t, async () => {
        const { cache } = await h.open();
        const count = 1500;
        const writes: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          writes.push(cache.add(`fix/repo-${i % 5}`, digest(`fix-${i}`)));
          writes.push(cache.setMeta(digest(`fix-${i}`), { path: `/f/${i}`, length: i }));
        }
        await Promise.all(writes);
        const seen = new Set<string>();
        for await (const entry of listing(cache)()) {
          seen.add(keyOf(entry));
          if (entry.kind === 'membership') await cache.remove(entry.repo, entry.digest);
          else await cache.deleteMeta(entry.digest);
        }
        expect(seen.size).toBe(2 * count);
        expect(await listed(cache)).toEqual([]);
      });

      it('entries are plain objects with exactly their fields', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        await cache.setMeta(d, { path: '/p', length: 3 });
        const entries: LayerCacheEntry[] = [];
        for await (const entry of listing(cache)()) entries.push(entry);
        const membership = entries.find((e) => e.kind === 'membership');
        const meta = entries.find((e) => e.kind === 'meta');
        expect(membership).toStrictEqual({ kind: 'membership', repo: 'library/ubuntu', digest: d });
        expect(meta).toStrictEqual({ kind: 'meta', digest: d, meta: { path: '/p', length: 3 } });
      });

      it('stopping early leaves the cache usable', t, async () => {
        const { cache } = await h.open();
        for (let i = 0; i < 50; i++) await cache.add('library/ubuntu', digest(`early-${i}`));
        for await (const _ of listing(cache)()) break;
        await cache.add('library/debian', d);
        expect(await cache.contains('library/debian', d)).toBe(true);
        expect((await listed(cache)).length).toBe(51);
      });

      it('an already aborted listing rejects with the reason', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        const reason = new Error('operator gave up');
        const iterator = listing(cache)({ signal: AbortSignal.abort(reason) });
        await expect(iterator.next()).rejects.toBe(reason);
      });

      it('a listing aborted halfway rejects its next step with the reason', t, async () => {
        const { cache } = await h.open();
        for (let i = 0; i < 20; i++) await cache.add('library/ubuntu', digest(`abort-${i}`));
        const controller = new AbortController();
        const reason = new Error('stop now');
        const iterator = listing(cache)({ signal: controller.signal });
        expect((await iterator.next()).done).toBe(false);
        controller.abort(reason);
        await expect(iterator.next()).rejects.toBe(reason);
      });

      it('a listing rejects with ClosedError after close', t, async () => {
        const { cache } = await h.open();
        await cache.add('library/ubuntu', d);
        const list = listing(cache);
        await cache.close();
        await expect(list().next()).rejects.toMatchObject({ code: ErrorCode.Closed });
      });

      it('a listing refuses options whose signal is not an AbortSignal', t, async () => {
        const { cache } = await h.open();
        const fake = { aborted: false } as unknown as AbortSignal;
        await expect(listing(cache)({ signal: fake }).next()).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      });
    },
  );

  describe.skipIf(!(entriesDeclared && forgetDeclared && h.capabilities.ttl === true))(
    'capabilities "entries" and "forgetDigest" with a TTL',
    () => {
      it('an expired entry is neither listed nor counted as forgotten', t, async () => {
        vi.useFakeTimers({ toFake: ['Date'] });
        try {
          const start = Date.now();
          const { cache } = await h.open({ ttlMs: 60_000 });
          await cache.add('library/ubuntu', d);
          await cache.setMeta(d, { path: '/p', length: 1 });
          vi.setSystemTime(start + 61_000);
          expect(await listed(cache)).toEqual([]);
          expect(await forgetting(cache)(d)).toBe(0);
        } finally {
          vi.useRealTimers();
        }
      });
    },
  );
}
