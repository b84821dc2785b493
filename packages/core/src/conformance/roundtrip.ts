import { describe, expect, it } from 'vitest';
import { digest, EDGE_METAS } from './fixtures.js';
import type { Harness } from './harness.js';

export function roundTripChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };

  describe('values round-trip exactly', () => {
    for (const [what, meta] of EDGE_METAS) {
      it(`round-trips ${what}`, t, async () => {
        const { cache } = await h.open();
        const d = digest(what);
        await cache.setMeta(d, meta);
        const got = await cache.meta(d);
        expect(
          got.path === meta.path,
          `path changed: ${JSON.stringify(got.path).slice(0, 80)}`,
        ).toBe(true);
        expect(Object.is(got.length, meta.length), `length ${got.length} ≠ ${meta.length}`).toBe(
          true,
        );
        expect(typeof got.length).toBe('number');
      });
    }

    it('stores -0 as 0', t, async () => {
      const { cache } = await h.open();
      await cache.setMeta(digest('minus-zero'), { path: '/z', length: -0 });
      expect(Object.is((await cache.meta(digest('minus-zero'))).length, 0)).toBe(true);
    });

    it('keeps many distinct edge metas apart at once', t, async () => {
      const { cache } = await h.open();
      await Promise.all(EDGE_METAS.map(([what, meta]) => cache.setMeta(digest(what), meta)));
      for (const [what, meta] of EDGE_METAS)
        expect(await cache.meta(digest(what)), what).toEqual(meta);
    });
  });
}
