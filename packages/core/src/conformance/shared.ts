import { expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache } from '../types.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';
import { openInProcess } from './remote.js';
import { checkUnless, describeCapability } from './skip.js';
import type { ConformanceContext, SharedCapability } from './types.js';

// Two caches over one storage — two connections to one SQLite file, two clients of one Redis,
// two processes — must see each other's acknowledged writes: a revocation one of them missed is
// a repository serving a blob it no longer owns. Each check first makes the second instance read
// the old answer, so that an instance caching what it read locally is caught.

const d = digest('shared');
const e = digest('shared-other');

export function sharedChecks(h: Harness): void {
  const declared = h.capabilities.shared;
  const shared: SharedCapability | undefined =
    declared === true ? {} : declared === false ? undefined : declared;
  const t = { timeout: h.timeoutMs };
  const maxStalenessMs = shared?.maxStalenessMs ?? 0;
  const within = maxStalenessMs === 0 ? 'at once' : `within ${maxStalenessMs} ms (maxStalenessMs)`;

  /** Waits until `read` gives `expected`, for at most maxStalenessMs (one read when it is 0). */
  async function seen<T>(what: string, read: () => Promise<T>, expected: T): Promise<void> {
    const deadline = performance.now() + maxStalenessMs;
    let got = await read();
    while (!Object.is(got, expected) && JSON.stringify(got) !== JSON.stringify(expected)) {
      if (performance.now() >= deadline) {
        expect.fail(
          `${what}: expected ${JSON.stringify(expected)} ${within}, got ${JSON.stringify(got)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
      got = await read();
    }
  }
  const metaOf = (cache: LayerInfoCache, digest: string) =>
    cache.meta(digest).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === ErrorCode.NotFound) return 'NotFoundError';
      throw error;
    });

  async function pair(): Promise<{
    one: LayerInfoCache;
    two: LayerInfoCache;
    context: ConformanceContext;
  }> {
    const { cache: one, context } = await h.open();
    return { one, two: await h.openShared(context), context };
  }

  async function crossRepositoryRevocation(
    one: LayerInfoCache,
    two: LayerInfoCache,
    where: string,
  ) {
    await one.add('shared/a', d);
    await one.add('shared/b', d);
    expect(
      await two.contains('shared/a', d),
      `${where}: instance two reads shared/a after one added it`,
    ).toBe(true);
    expect(await two.contains('shared/b', d)).toBe(true);
    await one.remove('shared/a', d);
    await one.add('shared/c', d);
    await two.add('shared/b', d);
    const done = `${where}: instance one did add(shared/a), add(shared/b), remove(shared/a), add(shared/c); instance two did add(shared/b)`;
    await seen(`${done}; then two.contains(shared/a)`, () => two.contains('shared/a', d), false);
    await seen(`${done}; then one.contains(shared/a)`, () => one.contains('shared/a', d), false);
    expect(await two.contains('shared/b', d), `${done}; two.contains(shared/b)`).toBe(true);
    expect(await two.contains('shared/c', d), `${done}; two.contains(shared/c)`).toBe(true);
  }

  const reason = shared
    ? undefined
    : 'capability "shared" not declared: pass { shared: true } (or { shared: { open, processModule } }) when two caches can share one storage';

  describeCapability('shared storage (capability "shared")', reason, () => {
    it('an add by one instance is seen by the other', t, async () => {
      const { one, two } = await pair();
      expect(await two.contains('shared/a', d), 'instance two before any add').toBe(false);
      await one.add('shared/a', d);
      await seen(
        'instance one did add(shared/a, D); then two.contains(shared/a, D)',
        () => two.contains('shared/a', d),
        true,
      );
    });

    it('a remove by one instance is seen by the other, which had read it as true', t, async () => {
      const { one, two } = await pair();
      await one.add('shared/a', d);
      expect(await two.contains('shared/a', d), 'instance two reads it after one added it').toBe(
        true,
      );
      expect(await one.remove('shared/a', d)).toBe(true);
      await seen(
        'instance one did add(shared/a, D); two read it as true; one did remove(shared/a, D); then two.contains(shared/a, D)',
        () => two.contains('shared/a', d),
        false,
      );
    });

    it(
      'a revocation by one instance survives later adds to other repositories by either',
      t,
      async () => {
        const { one, two } = await pair();
        await crossRepositoryRevocation(one, two, 'in this process');
      },
    );

    it(
      'a setMeta overwrite by one instance is seen by the other, which had read the old meta',
      t,
      async () => {
        const { one, two } = await pair();
        await one.setMeta(d, { path: '/old', length: 1 });
        expect(await metaOf(two, d), 'instance two reads the first meta').toEqual({
          path: '/old',
          length: 1,
        });
        await one.setMeta(d, { path: '/new', length: 2 });
        await seen(
          'instance one did setMeta(D, /old) then setMeta(D, /new); two.meta(D)',
          () => metaOf(two, d),
          {
            path: '/new',
            length: 2,
          },
        );
      },
    );

    it(
      'a deleteMeta by one instance is seen by the other, which had read the meta',
      t,
      async () => {
        const { one, two } = await pair();
        await one.setMeta(d, { path: '/x', length: 1 });
        expect(await metaOf(two, d)).toEqual({ path: '/x', length: 1 });
        expect(await one.deleteMeta(d)).toBe(true);
        await seen(
          'instance one did setMeta(D) then deleteMeta(D); two.meta(D)',
          () => metaOf(two, d),
          'NotFoundError',
        );
      },
    );

    it('a clear by one instance is seen by the other', t, async () => {
      const { one, two } = await pair();
      await one.add('shared/a', d);
      await one.setMeta(d, { path: '/x', length: 1 });
      expect(await two.contains('shared/a', d)).toBe(true);
      expect(await metaOf(two, d)).toEqual({ path: '/x', length: 1 });
      await one.clear();
      await seen(
        'instance one did clear(); two.contains(shared/a, D)',
        () => two.contains('shared/a', d),
        false,
      );
      await seen('instance one did clear(); two.meta(D)', () => metaOf(two, d), 'NotFoundError');
    });

    it('writes by both instances at once are all seen by both', t, async () => {
      const { one, two } = await pair();
      const digests = Array.from({ length: 64 }, (_, i) => digest(`shared-${i}`));
      await Promise.all(digests.map((x, i) => (i % 2 === 0 ? one : two).add('shared/both', x)));
      for (const [name, reader] of [
        ['one', one],
        ['two', two],
      ] as const) {
        const found = await Promise.all(digests.map((x) => reader.contains('shared/both', x)));
        expect(found.filter((f) => !f).length, `instance ${name} misses writes of the other`).toBe(
          0,
        );
      }
      expect(await one.contains('shared/both', e)).toBe(false);
    });

    const processReason = shared?.processModule
      ? undefined
      : 'no shared.processModule declared: the instance in another process cannot be opened';

    checkUnless(
      processReason,
      'a remove in another process is seen here, and one here is seen there',
      t,
      async () => {
        const { cache: here, context } = await h.open();
        const there = h.adopt(await openInProcess(shared!.processModule!, context));
        await there.add('shared/a', d);
        await seen(
          'the other process did add(shared/a, D); contains here',
          () => here.contains('shared/a', d),
          true,
        );
        await there.remove('shared/a', d);
        await seen(
          'the other process did remove(shared/a, D) after this one read true; contains here',
          () => here.contains('shared/a', d),
          false,
        );
        await here.add('shared/b', e);
        expect(
          await there.contains('shared/b', e),
          'the other process reads what this one added',
        ).toBe(true);
        await here.remove('shared/b', e);
        await seen(
          'this process did remove(shared/b, E) after the other read true; contains there',
          () => there.contains('shared/b', e),
          false,
        );
      },
    );

    checkUnless(
      processReason,
      'a revocation in another process survives later adds to other repositories',
      t,
      async () => {
        const { cache: here, context } = await h.open();
        const there = h.adopt(await openInProcess(shared!.processModule!, context));
        await crossRepositoryRevocation(there, here, 'across processes');
      },
    );
  });
}
