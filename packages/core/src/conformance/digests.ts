import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache } from '../types.js';
import { ALGORITHMS, confusableDigests, hexOf } from './fixtures.js';
import type { Harness } from './harness.js';

// An adapter that keys entries by a prefix of the hex (a column or key of 64 characters), or by
// the hex without its algorithm, merges digests it must keep apart and answers `true` for a
// digest it never saw. These checks run every operation over digests built to collide under
// such keys (see `confusableDigests`).

const family = confusableDigests('confusable');
const metaOf = (i: number) => ({ path: `/blobs/confusable/${i}`, length: 1000 + i });

async function metaOrMiss(cache: LayerInfoCache, d: string): Promise<unknown> {
  return cache.meta(d).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === ErrorCode.NotFound) return 'NotFoundError';
    throw error;
  });
}

export function digestChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };

  describe('digest algorithms side by side', () => {
    it(
      'add of one digest makes no confusable digest contained (same hex under another algorithm, a shared prefix)',
      t,
      async () => {
        const { cache } = await h.open();
        for (const [i, [, d]] of family.entries()) await cache.add(`confusable/r${i}`, d);
        for (const [i, [added]] of family.entries()) {
          for (const [j, [asked, d]] of family.entries()) {
            const found = await cache.contains(`confusable/r${i}`, d);
            expect(
              found,
              `did add(confusable/r${i}, ${added}); expected contains(confusable/r${i}, ${asked}) to be ${i === j}, got ${found}`,
            ).toBe(i === j);
          }
        }
      },
    );

    it(
      'remove of a confusable digest resolves false and leaves the added one contained',
      t,
      async () => {
        const { cache } = await h.open();
        for (const [i, [added, d]] of family.entries()) {
          const repo = `confusable/rm${i}`;
          await cache.add(repo, d);
          for (const [j, [asked, other]] of family.entries()) {
            if (j === i) continue;
            const removed = await cache.remove(repo, other);
            expect(
              removed,
              `did add(${repo}, ${added}) then remove(${repo}, ${asked}); expected false (never added), got ${removed}`,
            ).toBe(false);
          }
          expect(
            await cache.contains(repo, d),
            `removing digests confusable with ${added} revoked it`,
          ).toBe(true);
        }
      },
    );

    it(
      'setMeta keeps a separate meta per digest, and none for a confusable digest',
      t,
      async () => {
        // Two caches: one holds metas of the even digests, the other of the odd ones, so every
        // digest has a neighbour with a meta and one without.
        for (const parity of [0, 1]) {
          const { cache } = await h.open();
          for (const [i, [, d]] of family.entries()) {
            if (i % 2 === parity) await cache.setMeta(d, metaOf(i));
          }
          for (const [i, [name, d]] of family.entries()) {
            const expected = i % 2 === parity ? metaOf(i) : 'NotFoundError';
            const got = await metaOrMiss(cache, d);
            expect(
              got,
              `did setMeta of the digests ${parity === 0 ? 'even' : 'odd'} in the list; expected meta(${name}) to be ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`,
            ).toEqual(expected);
          }
        }
      },
    );

    it(
      'deleteMeta of a confusable digest resolves false and leaves the meta that was set',
      t,
      async () => {
        const { cache } = await h.open();
        for (const [i, [name, d]] of family.entries()) {
          await cache.setMeta(d, metaOf(i));
          for (const [j, [asked, other]] of family.entries()) {
            if (j <= i) continue;
            const deleted = await cache.deleteMeta(other);
            expect(
              deleted,
              `did setMeta(${name}) then deleteMeta(${asked}); expected false (never set), got ${deleted}`,
            ).toBe(false);
          }
          expect(await metaOrMiss(cache, d), `deleting digests confusable with ${name}`).toEqual(
            metaOf(i),
          );
          expect(await cache.deleteMeta(d), `deleteMeta(${name}) of its own meta`).toBe(true);
        }
      },
    );

    it('every operation works on each algorithm at its full length', t, async () => {
      const { cache } = await h.open();
      for (const [algorithm, length] of ALGORITHMS) {
        const d = `${algorithm}:${hexOf(`full-${algorithm}`, length)}`;
        const repo = `full/${algorithm}`;
        await cache.add(repo, d);
        expect(await cache.contains(repo, d), `add then contains of ${algorithm}`).toBe(true);
        await cache.setMeta(d, { path: `/blobs/${algorithm}`, length });
        expect(await cache.meta(d), `setMeta then meta of ${algorithm}`).toEqual({
          path: `/blobs/${algorithm}`,
          length,
        });
        expect(await cache.remove(repo, d), `remove of ${algorithm}`).toBe(true);
        expect(await cache.contains(repo, d), `contains after remove of ${algorithm}`).toBe(false);
        expect(await cache.deleteMeta(d), `deleteMeta of ${algorithm}`).toBe(true);
        expect(await metaOrMiss(cache, d), `meta after deleteMeta of ${algorithm}`).toBe(
          'NotFoundError',
        );
      }
    });

    it('clear forgets entries of every algorithm', t, async () => {
      const { cache } = await h.open();
      for (const [i, [, d]] of family.entries()) {
        await cache.add('confusable/clear', d);
        await cache.setMeta(d, metaOf(i));
      }
      await cache.clear();
      for (const [name, d] of family) {
        expect(await cache.contains('confusable/clear', d), `contains(${name}) after clear`).toBe(
          false,
        );
        expect(await metaOrMiss(cache, d), `meta(${name}) after clear`).toBe('NotFoundError');
      }
    });
  });
}
