import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { digest, MAX_REPO, MAX_REPO_NESTED, short } from './fixtures.js';
import type { Harness } from './harness.js';

export function membershipChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const d = digest('layer');

  describe('membership', () => {
    it('an unknown repository and digest is not contained', t, async () => {
      const { cache } = await h.open();
      expect(await cache.contains('library/ubuntu', d)).toBe(false);
    });

    it('add makes contains true for that repository and digest', t, async () => {
      const { cache } = await h.open();
      await cache.add('library/ubuntu', d);
      expect(await cache.contains('library/ubuntu', d)).toBe(true);
    });

    it('add resolves undefined and contains resolves a boolean', t, async () => {
      const { cache } = await h.open();
      expect(await cache.add('library/ubuntu', d)).toBeUndefined();
      const found = await cache.contains('library/ubuntu', d);
      expect(typeof found, 'contains must resolve a real boolean').toBe('boolean');
    });

    it(
      'membership is per repository: adding to a/b says nothing about its neighbours',
      t,
      async () => {
        const { cache } = await h.open();
        await cache.add('a/b', d);
        for (const other of ['a/c', 'a', 'a/b/c', 'a/bb', 'ab', 'a-b', 'a.b', 'a_b', 'b']) {
          expect(await cache.contains(other, d), `contains(${other}) after add(a/b)`).toBe(false);
        }
        expect(await cache.contains('a/b', d)).toBe(true);
      },
    );

    it('membership is per digest: adding one digest says nothing about another', t, async () => {
      const { cache } = await h.open();
      await cache.add('library/ubuntu', d);
      expect(await cache.contains('library/ubuntu', digest('other'))).toBe(false);
      expect(await cache.contains('library/ubuntu', digest('layer', 'sha512'))).toBe(false);
    });

    it('setting meta does not create membership', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/blobs/x', length: 1 });
      expect(await cache.contains('library/ubuntu', d)).toBe(false);
    });

    it('add is idempotent: adding twice then removing once revokes', t, async () => {
      const { cache } = await h.open();
      await cache.add('library/ubuntu', d);
      await cache.add('library/ubuntu', d);
      expect(await cache.contains('library/ubuntu', d)).toBe(true);
      expect(await cache.remove('library/ubuntu', d)).toBe(true);
      expect(
        await cache.contains('library/ubuntu', d),
        'one remove must undo any number of adds',
      ).toBe(false);
    });

    it('one repository holds many digests independently', t, async () => {
      const { cache } = await h.open();
      const digests = Array.from({ length: 20 }, (_, i) => digest(`many-${i}`));
      for (const x of digests.slice(0, 10)) await cache.add('library/node', x);
      for (const [i, x] of digests.entries()) {
        expect(await cache.contains('library/node', x), `digest #${i} ${short(x)}`).toBe(i < 10);
      }
    });

    it('accepts every supported digest algorithm and keeps them apart', t, async () => {
      const { cache } = await h.open();
      const all = ['sha256', 'sha384', 'sha512', 'blake3'].map((a) => digest('same-label', a));
      await cache.add('library/x', all[0]!);
      await cache.add('library/x', all[2]!);
      expect(await Promise.all(all.map((x) => cache.contains('library/x', x)))).toEqual([
        true,
        false,
        true,
        false,
      ]);
    });

    it('repository names at the 255-character limit work', t, async () => {
      const { cache } = await h.open();
      await cache.add(MAX_REPO, d);
      await cache.add(MAX_REPO_NESTED, digest('nested'));
      expect(await cache.contains(MAX_REPO, d)).toBe(true);
      expect(await cache.contains(MAX_REPO_NESTED, digest('nested'))).toBe(true);
      expect(await cache.contains(MAX_REPO.slice(1), d)).toBe(false);
    });

    it('repository names with every separator kind round-trip', t, async () => {
      const { cache } = await h.open();
      const names = ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a0/b1/c2', '0', 'x.y_z__w-v/q'];
      for (const name of names) await cache.add(name, d);
      for (const name of names) expect(await cache.contains(name, d), name).toBe(true);
    });
  });

  describe('revocation', () => {
    it('remove revokes membership and resolves true', t, async () => {
      const { cache } = await h.open();
      await cache.add('library/ubuntu', d);
      expect(await cache.remove('library/ubuntu', d)).toBe(true);
      expect(await cache.contains('library/ubuntu', d)).toBe(false);
    });

    it('remove of an absent membership resolves false', t, async () => {
      const { cache } = await h.open();
      expect(await cache.remove('library/ubuntu', d)).toBe(false);
      await cache.add('library/ubuntu', d);
      await cache.remove('library/ubuntu', d);
      expect(await cache.remove('library/ubuntu', d), 'a second remove').toBe(false);
    });

    it('remove in one repository leaves other repositories holding the digest', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.add('team/b', d);
      await cache.remove('team/a', d);
      expect(await cache.contains('team/a', d)).toBe(false);
      expect(await cache.contains('team/b', d)).toBe(true);
    });

    it(
      'a later add to another repository does not bring a revoked membership back',
      t,
      async () => {
        const { cache } = await h.open();
        await cache.add('team/a', d);
        await cache.add('team/b', d);
        await cache.remove('team/a', d);
        await cache.add('team/c', d);
        await cache.add('team/b', d);
        expect(await cache.contains('team/a', d), 'revoked membership came back').toBe(false);
        expect(await cache.contains('team/c', d)).toBe(true);
      },
    );

    it('writing meta does not bring a revoked membership back', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.remove('team/a', d);
      await cache.setMeta(d, { path: '/blobs/x', length: 3 });
      expect(await cache.contains('team/a', d)).toBe(false);
    });

    it('remove leaves the digest meta alone (meta is global)', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.setMeta(d, { path: '/blobs/x', length: 3 });
      await cache.remove('team/a', d);
      expect(await cache.meta(d)).toEqual({ path: '/blobs/x', length: 3 });
    });

    it('remove of one digest leaves the repository other digests', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.add('team/a', digest('other'));
      await cache.remove('team/a', d);
      expect(await cache.contains('team/a', digest('other'))).toBe(true);
    });

    it('a revoked membership can be added again', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.remove('team/a', d);
      await cache.add('team/a', d);
      expect(await cache.contains('team/a', d)).toBe(true);
    });
  });

  describe('meta', () => {
    it('meta of an unknown digest rejects with NotFoundError', t, async () => {
      const { cache } = await h.open();
      const error = await cache.meta(d).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ code: ErrorCode.NotFound, name: 'NotFoundError' });
    });

    it('setMeta then meta returns the same path and length', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/docker/registry/v2/blobs/sha256/ab/ab/data', length: 2811 });
      expect(await cache.meta(d)).toEqual({
        path: '/docker/registry/v2/blobs/sha256/ab/ab/data',
        length: 2811,
      });
    });

    it('setMeta overwrites: the last write wins', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/first', length: 1 });
      await cache.setMeta(d, { path: '/second', length: 2 });
      expect(await cache.meta(d)).toEqual({ path: '/second', length: 2 });
    });

    it('meta is global: it does not depend on any repository', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/blobs/x', length: 3 });
      await cache.add('team/a', d);
      await cache.remove('team/a', d);
      expect(await cache.meta(d)).toEqual({ path: '/blobs/x', length: 3 });
    });

    it('metas of different digests are independent', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/one', length: 1 });
      await cache.setMeta(digest('two'), { path: '/two', length: 2 });
      expect(await cache.meta(d)).toEqual({ path: '/one', length: 1 });
      expect(await cache.meta(digest('two'))).toEqual({ path: '/two', length: 2 });
      await expect(cache.meta(digest('three'))).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });

    it('deleteMeta forgets the meta and resolves true; false when there was none', t, async () => {
      const { cache } = await h.open();
      expect(await cache.deleteMeta(d)).toBe(false);
      await cache.setMeta(d, { path: '/x', length: 1 });
      expect(await cache.deleteMeta(d)).toBe(true);
      await expect(cache.meta(d)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect(await cache.deleteMeta(d)).toBe(false);
    });

    it('deleteMeta leaves memberships of the digest alone', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.setMeta(d, { path: '/x', length: 1 });
      await cache.deleteMeta(d);
      expect(await cache.contains('team/a', d)).toBe(true);
    });

    it('only path and length are stored: extra fields are dropped', t, async () => {
      const { cache } = await h.open();
      const withExtra = { path: '/x', length: 1, mediaType: 'application/octet-stream', digest: d };
      await cache.setMeta(d, withExtra);
      const got = await cache.meta(d);
      expect(Object.keys(got).sort()).toEqual(['length', 'path']);
    });

    it(
      'changing the object passed to setMeta afterwards does not change the cache',
      t,
      async () => {
        const { cache } = await h.open();
        const meta = { path: '/original', length: 1 };
        await cache.setMeta(d, meta);
        meta.path = '/mutated';
        meta.length = 2;
        expect(await cache.meta(d)).toEqual({ path: '/original', length: 1 });
      },
    );

    it('changing a returned meta does not change the cache', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(d, { path: '/original', length: 1 });
      const got = (await cache.meta(d)) as { path: string; length: number };
      try {
        got.path = '/mutated';
        got.length = 99;
      } catch {
        // A frozen meta is a fine answer too.
      }
      expect(await cache.meta(d)).toEqual({ path: '/original', length: 1 });
    });
  });

  describe('clear', () => {
    it('clear forgets every membership and meta', t, async () => {
      const { cache } = await h.open();
      const digests = Array.from({ length: 10 }, (_, i) => digest(`clear-${i}`));
      for (const [i, x] of digests.entries()) {
        await cache.add(`team/r${i % 3}`, x);
        await cache.setMeta(x, { path: `/blobs/${i}`, length: i });
      }
      await cache.clear();
      for (const [i, x] of digests.entries()) {
        expect(await cache.contains(`team/r${i % 3}`, x)).toBe(false);
        await expect(cache.meta(x)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      }
    });

    it('the cache works normally after clear', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.clear();
      await cache.add('team/b', d);
      await cache.setMeta(d, { path: '/after', length: 5 });
      expect(await cache.contains('team/b', d)).toBe(true);
      expect(await cache.contains('team/a', d)).toBe(false);
      expect(await cache.meta(d)).toEqual({ path: '/after', length: 5 });
    });

    it('clear of an empty cache resolves', t, async () => {
      const { cache } = await h.open();
      await expect(cache.clear()).resolves.toBeUndefined();
    });

    it('clear does not touch another cache on other storage', t, async () => {
      const { cache: first } = await h.open();
      const { cache: second } = await h.open();
      await first.add('team/a', d);
      await second.add('team/a', d);
      await second.setMeta(d, { path: '/kept', length: 1 });
      await first.clear();
      expect(await second.contains('team/a', d)).toBe(true);
      expect(await second.meta(d)).toEqual({ path: '/kept', length: 1 });
    });
  });
}
