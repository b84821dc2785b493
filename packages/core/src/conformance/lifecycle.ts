import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache } from '../types.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';

const d = digest('lifecycle');

/** Every operation, called with valid arguments. */
export const EVERY_OPERATION: ReadonlyArray<
  readonly [string, (cache: LayerInfoCache, options?: { signal?: AbortSignal }) => Promise<unknown>]
> = [
  ['contains', (c, o) => c.contains('library/a', d, o)],
  ['add', (c, o) => c.add('library/a', d, o)],
  ['remove', (c, o) => c.remove('library/a', d, o)],
  ['meta', (c, o) => c.meta(d, o)],
  ['setMeta', (c, o) => c.setMeta(d, { path: '/x', length: 1 }, o)],
  ['deleteMeta', (c, o) => c.deleteMeta(d, o)],
  ['clear', (c, o) => c.clear(o)],
];

export function lifecycleChecks(h: Harness): void {
  const t = { timeout: h.timeoutMs };

  describe('close', () => {
    it('close resolves, and a second close resolves too', t, async () => {
      const { cache } = await h.open();
      await cache.add('library/a', d);
      await expect(cache.close()).resolves.toBeUndefined();
      await expect(cache.close()).resolves.toBeUndefined();
    });

    for (const [operation, call] of EVERY_OPERATION) {
      it(`${operation} after close rejects with ClosedError`, t, async () => {
        const { cache } = await h.open();
        await cache.close();
        await expect(call(cache)).rejects.toMatchObject({ code: ErrorCode.Closed });
      });
    }

    it('invalid arguments after close still reject, never resolve', t, async () => {
      const { cache } = await h.open();
      await cache.close();
      await expect(cache.contains('BAD', 'bad')).rejects.toMatchObject({
        code: expect.stringMatching(/^ERR_LAYERCACHE_(CLOSED|INVALID_ARGUMENT)$/),
      });
    });

    it('operations in flight when close is called settle, and close resolves', t, async () => {
      const { cache } = await h.open();
      const inFlight = Array.from({ length: 32 }, (_, i) =>
        i % 2 === 0 ? cache.add(`library/r${i}`, d) : cache.contains(`library/r${i}`, d),
      );
      const closing = cache.close();
      const outcomes = await Promise.allSettled(inFlight);
      await expect(closing).resolves.toBeUndefined();
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(
            outcome.reason,
            'an operation racing close may only fail as ClosedError or UnavailableError',
          ).toMatchObject({ code: expect.stringMatching(/^ERR_LAYERCACHE_(CLOSED|UNAVAILABLE)$/) });
        }
      }
    });

    it('await using closes the cache at the end of the block', t, async () => {
      const { cache } = await h.open();
      {
        await using scoped = cache;
        await scoped.add('library/a', d);
        expect(await scoped.contains('library/a', d)).toBe(true);
      }
      await expect(cache.contains('library/a', d)).rejects.toMatchObject({
        code: ErrorCode.Closed,
      });
    });

    it('Symbol.asyncDispose closes the cache', t, async () => {
      const { cache } = await h.open();
      await cache[Symbol.asyncDispose]();
      await expect(cache.add('library/a', d)).rejects.toMatchObject({ code: ErrorCode.Closed });
    });
  });

  describe('abort', () => {
    for (const [operation, call] of EVERY_OPERATION) {
      it(
        `${operation} with an already aborted signal rejects with its reason and changes nothing`,
        t,
        async () => {
          const { cache } = await h.open();
          await cache.add('library/a', d);
          await cache.setMeta(d, { path: '/before', length: 2 });
          const reason = new Error(`stop ${operation}`);
          const error = await call(cache, { signal: AbortSignal.abort(reason) }).catch(
            (e: unknown) => e,
          );
          expect(error, 'must reject with exactly signal.reason').toBe(reason);
          expect(await cache.contains('library/a', d), 'an aborted call changed membership').toBe(
            true,
          );
          expect(await cache.meta(d), 'an aborted call changed meta').toEqual({
            path: '/before',
            length: 2,
          });
        },
      );
    }

    it('an aborted signal without a reason rejects with an AbortError', t, async () => {
      const { cache } = await h.open();
      const error = await cache
        .contains('library/a', d, { signal: AbortSignal.abort() })
        .catch((e) => e);
      expect(error).toMatchObject({ name: 'AbortError' });
    });

    it(
      'aborting a call in flight rejects with the reason or lets it finish, never anything else',
      t,
      async () => {
        const { cache } = await h.open();
        for (const [operation, call] of EVERY_OPERATION) {
          const controller = new AbortController();
          const reason = new Error(`abort ${operation} in flight`);
          const pending = call(cache, { signal: controller.signal });
          controller.abort(reason);
          const outcome = await pending.then(
            () => 'finished',
            (e: unknown) => e,
          );
          if (outcome !== 'finished') {
            // meta may also have finished first, with a miss; nothing else may.
            const notFound =
              operation === 'meta' && (outcome as { code?: string }).code === ErrorCode.NotFound;
            expect(notFound || outcome === reason, `${operation}: ${String(outcome)}`).toBe(true);
          }
        }
        await cache.add('library/after', d);
        expect(
          await cache.contains('library/after', d),
          'the cache must keep working after aborts',
        ).toBe(true);
      },
    );

    it('a signal that never aborts changes nothing', t, async () => {
      const { cache } = await h.open();
      const { signal } = new AbortController();
      await cache.add('library/a', d, { signal });
      await cache.setMeta(d, { path: '/x', length: 1 }, { signal });
      expect(await cache.contains('library/a', d, { signal })).toBe(true);
      expect(await cache.meta(d, { signal })).toEqual({ path: '/x', length: 1 });
      expect(await cache.remove('library/a', d, { signal })).toBe(true);
    });
  });
}
