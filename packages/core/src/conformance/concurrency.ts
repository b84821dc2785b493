import { describe, expect, it } from 'vitest';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';

export function concurrencyChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };

  describe('concurrency', () => {
    it('many adds in flight to different keys all land', t, async () => {
      const { cache } = await h.open();
      const keys = Array.from(
        { length: 256 },
        (_, i) => [`team/r${i % 64}`, digest(`c-${i}`)] as const,
      );
      await Promise.all(keys.map(([repo, x]) => cache.add(repo, x)));
      const found = await Promise.all(keys.map(([repo, x]) => cache.contains(repo, x)));
      expect(found.every(Boolean), `${found.filter((f) => !f).length} adds were lost`).toBe(true);
      const strangers = await Promise.all(
        keys.map(([repo], i) => cache.contains(repo, digest(`x-${i}`))),
      );
      expect(strangers.some(Boolean), 'a digest never added is reported').toBe(false);
    });

    it('adds and removes of different keys in flight together do not interfere', t, async () => {
      const { cache } = await h.open();
      const removed = Array.from({ length: 64 }, (_, i) => digest(`rm-${i}`));
      const added = Array.from({ length: 64 }, (_, i) => digest(`add-${i}`));
      await Promise.all(removed.map((x) => cache.add('team/a', x)));
      const results = await Promise.all([
        ...removed.map((x) => cache.remove('team/a', x)),
        ...added.map((x) => cache.add('team/a', x).then(() => true)),
      ]);
      expect(results.every((r) => r === true)).toBe(true);
      const after = await Promise.all(
        [...removed, ...added].map((x) => cache.contains('team/a', x)),
      );
      expect(after).toEqual([...removed.map(() => false), ...added.map(() => true)]);
    });

    it('concurrent adds of one key are idempotent: one remove revokes them all', t, async () => {
      const { cache } = await h.open();
      const d = digest('same');
      await Promise.all(Array.from({ length: 50 }, () => cache.add('team/a', d)));
      expect(await cache.remove('team/a', d)).toBe(true);
      expect(await cache.contains('team/a', d)).toBe(false);
    });

    it('concurrent setMeta of one digest leaves exactly one of the written values', t, async () => {
      const { cache } = await h.open();
      const d = digest('contended');
      const written = Array.from({ length: 32 }, (_, i) => ({ path: `/blobs/${i}`, length: i }));
      await Promise.all(written.map((meta) => cache.setMeta(d, meta)));
      const got = await cache.meta(d);
      expect(
        written.some((w) => w.path === got.path && w.length === got.length),
        JSON.stringify(got),
      ).toBe(true);
      expect(got.path, 'path and length must come from the same write').toBe(
        `/blobs/${got.length}`,
      );
    });

    it(
      'reads in flight with a revocation see the old state, then the new one, never back',
      t,
      async () => {
        const { cache } = await h.open();
        const d = digest('racy');
        await cache.add('team/a', d);
        const reads: Promise<boolean>[] = [];
        let removal: Promise<boolean> | undefined;
        for (let i = 0; i < 32; i++) {
          reads.push(cache.contains('team/a', d));
          if (i === 7) removal = cache.remove('team/a', d);
        }
        const outcomes = await Promise.all(reads);
        expect(await removal, 'remove of a held membership resolves true').toBe(true);
        // Issued in order: once one read has seen the revocation, no later one may see it undone.
        const first = outcomes.indexOf(false);
        if (first !== -1) {
          expect(
            outcomes.slice(first),
            `contains answers in the order they were issued: ${outcomes.join(',')}`,
          ).not.toContain(true);
        }
        expect(await cache.contains('team/a', d), 'contains after the remove resolved').toBe(false);
      },
    );

    it('a mixed burst of every operation keeps each key correct', t, async () => {
      const { cache } = await h.open();
      const n = 48;
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const repo = `burst/r${i}`;
          const x = digest(`burst-${i}`);
          await cache.add(repo, x);
          await cache.setMeta(x, { path: `/b/${i}`, length: i });
          if (i % 3 === 0) await cache.remove(repo, x);
          if (i % 4 === 0) await cache.deleteMeta(x);
        }),
      );
      for (let i = 0; i < n; i++) {
        const x = digest(`burst-${i}`);
        expect(await cache.contains(`burst/r${i}`, x), `membership #${i}`).toBe(i % 3 !== 0);
        if (i % 4 === 0)
          await expect(cache.meta(x)).rejects.toMatchObject({ code: 'ERR_LAYERCACHE_NOT_FOUND' });
        else expect(await cache.meta(x), `meta #${i}`).toEqual({ path: `/b/${i}`, length: i });
      }
    });
  });
}
