import { afterEach, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache, LayerMeta } from '../types.js';
import { digest } from './fixtures.js';
import type { Harness } from './harness.js';
import { describeOutcome, formatValue, type Outcome, settleWithin } from './settle.js';
import { checkUnless, describeCapability } from './skip.js';
import type { ConformanceContext, ConformanceOperation, FaultsCapability } from './types.js';

const ALL: readonly ConformanceOperation[] = [
  'contains',
  'add',
  'remove',
  'meta',
  'setMeta',
  'deleteMeta',
  'clear',
];

const kept = digest('fault-kept');
const gone = digest('fault-gone');
const KEPT_META: LayerMeta = { path: '/blobs/fault/kept', length: 4242 };

const SEED =
  'add(fault/kept, D), add(fault/revoked, D), read both, remove(fault/revoked, D), setMeta(D), ' +
  'setMeta(G), read both metas, deleteMeta(G)';

/**
 * Acknowledged state every check starts from: a membership, a revoked one, a meta, a deleted one.
 * Everything is read once before the break, so a cache that keeps what it read and answers from
 * that copy when its backend fails is caught.
 */
async function seed(cache: LayerInfoCache): Promise<void> {
  await cache.add('fault/kept', kept);
  await cache.add('fault/revoked', kept);
  await cache.contains('fault/kept', kept);
  await cache.contains('fault/revoked', kept);
  await cache.remove('fault/revoked', kept);
  await cache.setMeta(kept, KEPT_META);
  await cache.setMeta(gone, { path: '/blobs/fault/gone', length: 1 });
  await cache.meta(kept);
  await cache.meta(gone);
  await cache.deleteMeta(gone);
}

interface FaultCall {
  readonly operation: ConformanceOperation;
  readonly label: string;
  readonly call: (cache: LayerInfoCache) => Promise<unknown>;
  /** What a cache that still reaches its data answers (for operations the fault leaves alone). */
  readonly answer: unknown;
}

const CALLS: readonly FaultCall[] = [
  {
    operation: 'contains',
    label: 'contains(fault/kept, D)',
    call: (c) => c.contains('fault/kept', kept),
    answer: true,
  },
  {
    operation: 'add',
    label: 'add(fault/new, D)',
    call: (c) => c.add('fault/new', kept),
    answer: undefined,
  },
  {
    operation: 'remove',
    label: 'remove(fault/kept, D)',
    call: (c) => c.remove('fault/kept', kept),
    answer: true,
  },
  { operation: 'meta', label: 'meta(D)', call: (c) => c.meta(kept), answer: KEPT_META },
  {
    operation: 'setMeta',
    label: 'setMeta(D, …)',
    call: (c) => c.setMeta(kept, { path: '/blobs/fault/new', length: 1 }),
    answer: undefined,
  },
  {
    operation: 'deleteMeta',
    label: 'deleteMeta(D)',
    call: (c) => c.deleteMeta(kept),
    answer: true,
  },
  { operation: 'clear', label: 'clear()', call: (c) => c.clear(), answer: undefined },
];

const isUnavailable = (outcome: Outcome) =>
  outcome.kind === 'rejected' &&
  (outcome.error as { code?: unknown } | null)?.code === ErrorCode.Unavailable;

export function faultChecks(h: Harness): void {
  const faults: FaultsCapability | undefined = h.capabilities.faults;
  if (faults !== undefined && !(Number.isFinite(faults.timeoutMs) && faults.timeoutMs > 0)) {
    throw new TypeError(
      `capabilities.faults.timeoutMs of "${h.name}" must be a positive number of milliseconds (how long a call may take to reject while the backend is broken), got ${String(faults.timeoutMs)}`,
    );
  }
  const timeoutMs = faults?.timeoutMs ?? 0;
  const bound = timeoutMs + (faults?.slackMs ?? 250);
  const affects = new Set(faults?.affects ?? ALL);
  const recoveryMs = faults?.recoveryMs ?? 10_000;
  // Room for a few bounded waits and a recovery, whatever the adapter declares.
  const t = { timeout: Math.max(h.timeoutMs, 4 * bound + recoveryMs + 5000) };
  const durable = h.capabilities.durable !== undefined && h.capabilities.durable !== false;

  const broken = new Set<ConformanceContext>();
  async function breakBackend(context: ConformanceContext) {
    broken.add(context);
    await faults!.break(context);
  }
  async function heal(context: ConformanceContext) {
    broken.delete(context);
    await faults!.heal(context);
  }
  // A failed check must not leave the backend broken for the checks after it.
  afterEach(async () => {
    for (const context of [...broken]) await heal(context);
  });

  async function openBroken() {
    const opened = await h.open();
    await seed(opened.cache);
    await breakBackend(opened.context);
    return opened;
  }

  // Calls the cache until it answers again after heal(), for at most `recoveryMs`.
  async function recovered(cache: LayerInfoCache): Promise<void> {
    const deadline = performance.now() + recoveryMs;
    let last: Outcome;
    do {
      last = await settleWithin(() => cache.contains('fault/kept', kept), bound);
      if (last.kind === 'resolved') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (performance.now() < deadline);
    expect.fail(
      `did heal(); expected contains to answer again within ${recoveryMs} ms (recoveryMs); the last attempt ${describeOutcome(last)}`,
    );
  }

  const reason = faults
    ? undefined
    : 'capability "faults" not declared: pass { faults: { break, heal, timeoutMs } } to check outages';

  describeCapability('faults (capability "faults")', reason, () => {
    for (const { operation, label, call, answer } of CALLS) {
      if (affects.has(operation)) {
        it(
          `${operation} while the backend is broken rejects with UnavailableError within timeoutMs`,
          t,
          async () => {
            const { cache, context } = await openBroken();
            try {
              const outcome = await settleWithin(() => call(cache), bound);
              const done = `did ${SEED}; broke the backend; called ${label}`;
              expect(
                outcome.kind === 'resolved' ? 'resolved' : outcome.kind,
                `${done}; expected a rejection with UnavailableError (${ErrorCode.Unavailable}) within ${bound} ms (timeoutMs ${timeoutMs} + slack); it ${describeOutcome(outcome)}${outcome.kind === 'resolved' ? ' — an answer it cannot know while its backend is down' : ''}`,
              ).toBe('rejected');
              expect(
                isUnavailable(outcome),
                `${done}; expected UnavailableError (${ErrorCode.Unavailable}); it ${describeOutcome(outcome)}`,
              ).toBe(true);
            } finally {
              await heal(context);
            }
          },
        );
      } else {
        it(
          `${operation} while the backend is broken still answers what was acknowledged (declared unaffected)`,
          t,
          async () => {
            const { cache, context } = await openBroken();
            try {
              const outcome = await settleWithin(() => call(cache), bound);
              const right =
                outcome.kind === 'resolved' && formatValue(outcome.value) === formatValue(answer);
              expect(
                right || isUnavailable(outcome),
                `did ${SEED}; broke the backend (faults.affects leaves ${operation} alone); called ${label}; expected it to resolve ${formatValue(answer)} or reject with UnavailableError within ${bound} ms; it ${describeOutcome(outcome)}`,
              ).toBe(true);
            } finally {
              await heal(context);
            }
          },
        );
      }
    }

    it(
      'contains of a revoked membership while the backend is broken never resolves true',
      t,
      async () => {
        const { cache, context } = await openBroken();
        try {
          const outcome = await settleWithin(() => cache.contains('fault/revoked', kept), bound);
          const allowed = affects.has('contains')
            ? isUnavailable(outcome)
            : isUnavailable(outcome) || (outcome.kind === 'resolved' && outcome.value === false);
          expect(
            allowed,
            `did ${SEED}; broke the backend; called contains(fault/revoked, D); expected ${affects.has('contains') ? 'UnavailableError' : 'false or UnavailableError'} within ${bound} ms; it ${describeOutcome(outcome)}`,
          ).toBe(true);
        } finally {
          await heal(context);
        }
      },
    );

    it('meta of a deleted meta while the backend is broken never resolves a value', t, async () => {
      const { cache, context } = await openBroken();
      try {
        const outcome = await settleWithin(() => cache.meta(gone), bound);
        const notFound =
          outcome.kind === 'rejected' &&
          (outcome.error as { code?: unknown } | null)?.code === ErrorCode.NotFound;
        const allowed = affects.has('meta')
          ? isUnavailable(outcome)
          : isUnavailable(outcome) || notFound;
        expect(
          allowed,
          `did ${SEED}; broke the backend; called meta(G); expected ${affects.has('meta') ? 'UnavailableError' : 'NotFoundError or UnavailableError'} within ${bound} ms; it ${describeOutcome(outcome)}`,
        ).toBe(true);
      } finally {
        await heal(context);
      }
    });

    it(
      'many affected calls in flight while the backend is broken all reject within timeoutMs',
      t,
      async () => {
        const { cache, context } = await openBroken();
        try {
          const calls = CALLS.filter((c) => affects.has(c.operation)).flatMap((c) =>
            Array.from({ length: 8 }, () => c),
          );
          const outcomes = await Promise.all(
            calls.map((c) => settleWithin(() => c.call(cache), bound)),
          );
          const wrong = outcomes
            .map((outcome, i) => [calls[i]!.label, outcome] as const)
            .filter(([, outcome]) => !isUnavailable(outcome));
          expect(
            wrong.map(([label, outcome]) => `${label} ${describeOutcome(outcome)}`),
            `did ${SEED}; broke the backend; called ${calls.length} affected operations at once; expected every one to reject with UnavailableError within ${bound} ms`,
          ).toEqual([]);
        } finally {
          await heal(context);
        }
      },
    );

    it('every operation succeeds again after heal', t, async () => {
      const { cache, context } = await openBroken();
      await settleWithin(() => cache.contains('fault/kept', kept), bound);
      await heal(context);
      await recovered(cache);
      const done = `did ${SEED}; broke the backend; called contains; healed it`;
      expect(await cache.contains('fault/kept', kept), `${done}; contains(fault/kept, D)`).toBe(
        true,
      );
      expect(
        await cache.contains('fault/revoked', kept),
        `${done}; contains(fault/revoked, D)`,
      ).toBe(false);
      expect(await cache.meta(kept), `${done}; meta(D)`).toEqual(KEPT_META);
      await cache.add('fault/after', kept);
      expect(await cache.contains('fault/after', kept), `${done}; add then contains`).toBe(true);
      expect(await cache.remove('fault/after', kept), `${done}; remove`).toBe(true);
      await cache.setMeta(gone, { path: '/blobs/after', length: 2 });
      expect(await cache.meta(gone), `${done}; setMeta then meta`).toEqual({
        path: '/blobs/after',
        length: 2,
      });
      expect(await cache.deleteMeta(gone), `${done}; deleteMeta`).toBe(true);
      await cache.clear();
      expect(await cache.contains('fault/kept', kept), `${done}; contains after clear`).toBe(false);
    });

    checkUnless(
      durable
        ? undefined
        : 'declare "durable" too: a cache that is not durable may lose its data when its backend restarts',
      'nothing acknowledged before the break is lost after heal, nor after reopening',
      t,
      async () => {
        const { cache, context } = await h.open();
        const links = Array.from(
          { length: 100 },
          (_, i) => [`fault/r${i % 10}`, digest(`fault-${i}`)] as const,
        );
        await Promise.all(links.map(([repo, d]) => cache.add(repo, d)));
        await Promise.all(
          links
            .slice(0, 50)
            .map(([, d], i) => cache.setMeta(d, { path: `/blobs/${i}`, length: i })),
        );
        // Revocations acknowledged before the break must stay revoked too.
        await Promise.all(links.slice(80).map(([repo, d]) => cache.remove(repo, d)));
        await Promise.all(links.slice(40, 50).map(([, d]) => cache.deleteMeta(d)));
        await breakBackend(context);
        await settleWithin(() => cache.add('fault/during', kept), bound);
        await heal(context);
        await recovered(cache);

        const check = async (reader: LayerInfoCache, when: string) => {
          const found = await Promise.all(links.map(([repo, d]) => reader.contains(repo, d)));
          const lost = links.filter((_, i) => i < 80 && !found[i]).map(([r, d]) => `${r} ${d}`);
          const back = links.filter((_, i) => i >= 80 && found[i]).map(([r, d]) => `${r} ${d}`);
          const done =
            'did 100 adds, 50 setMeta, 20 removes and 10 deleteMeta; broke the backend; healed it';
          expect(
            lost.length,
            `${done}; expected every acknowledged membership ${when}; ${lost.length} were lost (e.g. ${lost.slice(0, 3).join('; ')})`,
          ).toBe(0);
          expect(
            back.length,
            `${done}; expected the 20 revoked memberships to stay revoked ${when}; ${back.length} came back (e.g. ${back.slice(0, 3).join('; ')})`,
          ).toBe(0);
          for (const [i, [, d]] of links.slice(0, 50).entries()) {
            const got = await reader.meta(d).catch((e: unknown) => (e as { code?: string }).code);
            const expected = i < 40 ? { path: `/blobs/${i}`, length: i } : ErrorCode.NotFound;
            expect(got, `${when}: meta(${d}), acknowledged before the break`).toEqual(expected);
          }
        };
        await check(cache, 'after heal');
        await cache.close();
        await check(await h.reopen(context), 'after heal and reopen');
      },
    );
  });
}
