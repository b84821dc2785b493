import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../errors.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';
import { describeCapability } from './skip.js';

const TTL = 60_000;

export function ttlChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };
  const d = digest('ttl');
  const e = digest('ttl-other');

  // Only `Date` is faked: real timers keep running, so clients with sockets and timeouts still
  // work, while the cache's notion of "now" moves when the test says so.
  let start = 0;
  const at = (ms: number) => vi.setSystemTime(start + ms);
  const useFakeDate = () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      start = Date.now();
    });
    afterEach(() => {
      vi.useRealTimers();
    });
  };

  describe('without a TTL', () => {
    useFakeDate();

    it('nothing expires, however much time passes', t, async () => {
      const { cache } = await h.open();
      await cache.add('team/a', d);
      await cache.setMeta(d, { path: '/x', length: 1 });
      at(10 * 365 * 24 * 3600 * 1000);
      expect(await cache.contains('team/a', d)).toBe(true);
      expect(await cache.meta(d)).toEqual({ path: '/x', length: 1 });
    });
  });

  const reason = h.capabilities.ttl
    ? undefined
    : 'capability "ttl" not declared: pass { ttl: true } when the factory honours context.ttlMs';
  describeCapability('TTL (capability "ttl")', reason, () => {
    useFakeDate();

    it('a membership is reported until its TTL has passed, and not after', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.add('team/a', d);
      at(TTL - 1000);
      expect(await cache.contains('team/a', d), 'expired too early').toBe(true);
      at(TTL + 1000);
      expect(await cache.contains('team/a', d), 'still reported after its TTL').toBe(false);
    });

    it(
      'a meta is returned until its TTL has passed, then rejects with NotFoundError',
      t,
      async () => {
        const { cache } = await h.open({ ttlMs: TTL });
        await cache.setMeta(d, { path: '/x', length: 1 });
        at(TTL - 1000);
        expect(await cache.meta(d)).toEqual({ path: '/x', length: 1 });
        at(TTL + 1000);
        await expect(cache.meta(d)).rejects.toMatchObject({ code: ErrorCode.NotFound });
      },
    );

    it(
      'the TTL is per entry: a later add to the same repository does not extend another digest',
      t,
      async () => {
        const { cache } = await h.open({ ttlMs: TTL });
        await cache.add('team/a', d);
        at(TTL / 2);
        await cache.add('team/a', e);
        at(TTL + 1000);
        expect(await cache.contains('team/a', d), 'the first digest outlived its TTL').toBe(false);
        expect(await cache.contains('team/a', e), 'the second digest expired early').toBe(true);
        at(TTL / 2 + TTL + 1000);
        expect(await cache.contains('team/a', e)).toBe(false);
      },
    );

    it(
      'the TTL is per repository: adding the digest to another repository does not extend it',
      t,
      async () => {
        const { cache } = await h.open({ ttlMs: TTL });
        await cache.add('team/a', d);
        at(TTL / 2);
        await cache.add('team/b', d);
        at(TTL + 1000);
        expect(await cache.contains('team/a', d)).toBe(false);
        expect(await cache.contains('team/b', d)).toBe(true);
      },
    );

    it('adding again restarts the TTL', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.add('team/a', d);
      at(TTL / 2);
      await cache.add('team/a', d);
      at(TTL + 1000);
      expect(await cache.contains('team/a', d), 're-adding did not refresh the TTL').toBe(true);
      at(TTL / 2 + TTL + 1000);
      expect(await cache.contains('team/a', d)).toBe(false);
    });

    it('setMeta again restarts the meta TTL', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.setMeta(d, { path: '/old', length: 1 });
      at(TTL / 2);
      await cache.setMeta(d, { path: '/new', length: 2 });
      at(TTL + 1000);
      expect(await cache.meta(d)).toEqual({ path: '/new', length: 2 });
    });

    it('reading does not extend the TTL', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.add('team/a', d);
      await cache.setMeta(d, { path: '/x', length: 1 });
      at(TTL / 2);
      expect(await cache.contains('team/a', d)).toBe(true);
      expect(await cache.meta(d)).toEqual({ path: '/x', length: 1 });
      at(TTL + 1000);
      expect(await cache.contains('team/a', d), 'a read extended the TTL').toBe(false);
      await expect(cache.meta(d)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    });

    it('an expired membership is not brought back by writes to other keys', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.add('team/a', d);
      at(TTL + 1000);
      await cache.add('team/b', d);
      await cache.add('team/a', e);
      await cache.setMeta(d, { path: '/x', length: 1 });
      expect(await cache.contains('team/a', d)).toBe(false);
    });

    it('an expired membership can be added again', t, async () => {
      const { cache } = await h.open({ ttlMs: TTL });
      await cache.add('team/a', d);
      at(TTL + 1000);
      expect(await cache.contains('team/a', d)).toBe(false);
      await cache.add('team/a', d);
      expect(await cache.contains('team/a', d)).toBe(true);
    });
  });
}
