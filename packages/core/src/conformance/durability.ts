import { expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';
import { describeCapability } from './skip.js';

export function durabilityChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const declared = h.capabilities.durable !== undefined && h.capabilities.durable !== false;
  const a = digest('durable-a');
  const b = digest('durable-b');

  const reason = declared
    ? undefined
    : 'capability "durable" not declared: pass { durable: true } when data survives close and reopen';
  describeCapability('durability (capability "durable")', reason, () => {
    it('memberships and metas survive close and reopen', t, async () => {
      const { cache, context } = await h.open();
      await cache.add('team/a', a);
      await cache.add('team/b', a);
      await cache.setMeta(a, { path: '/blobs/a', length: 10 });
      await cache.close();
      const reopened = await h.reopen(context);
      expect(await reopened.contains('team/a', a)).toBe(true);
      expect(await reopened.contains('team/b', a)).toBe(true);
      expect(await reopened.contains('team/c', a)).toBe(false);
      expect(await reopened.meta(a)).toEqual({ path: '/blobs/a', length: 10 });
    });

    it('removals and deletions survive close and reopen', t, async () => {
      const { cache, context } = await h.open();
      await cache.add('team/a', a);
      await cache.add('team/a', b);
      await cache.setMeta(a, { path: '/blobs/a', length: 10 });
      await cache.setMeta(b, { path: '/blobs/b', length: 20 });
      await cache.remove('team/a', a);
      await cache.deleteMeta(b);
      await cache.close();
      const reopened = await h.reopen(context);
      expect(
        await reopened.contains('team/a', a),
        'a revoked membership came back after reopen',
      ).toBe(false);
      expect(await reopened.contains('team/a', b)).toBe(true);
      await expect(reopened.meta(b)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect(await reopened.meta(a)).toEqual({ path: '/blobs/a', length: 10 });
    });

    it('clear survives close and reopen', t, async () => {
      const { cache, context } = await h.open();
      await cache.add('team/a', a);
      await cache.setMeta(a, { path: '/blobs/a', length: 10 });
      await cache.clear();
      await cache.close();
      const reopened = await h.reopen(context);
      expect(await reopened.contains('team/a', a)).toBe(false);
      await expect(reopened.meta(a)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });

    it('writes acknowledged just before close survive it', t, async () => {
      const { cache, context } = await h.open();
      const digests = Array.from({ length: 100 }, (_, i) => digest(`late-${i}`));
      await Promise.all(digests.map((x) => cache.add('team/late', x)));
      await cache.close();
      const reopened = await h.reopen(context);
      const found = await Promise.all(digests.map((x) => reopened.contains('team/late', x)));
      expect(found.filter((f) => !f).length, 'acknowledged writes lost on close').toBe(0);
    });
  });
}
