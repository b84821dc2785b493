import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache, LayerMeta } from '../types.js';
import { digest, short } from './fixtures.js';
import type { Harness } from './harness.js';

/** The reference model: what any correct cache must answer. */
interface Model {
  readonly links: Set<string>;
  readonly metas: Map<string, LayerMeta>;
}

type Command = fc.AsyncCommand<Model, LayerInfoCache>;

// Small pools so that random sequences keep hitting the same keys from different sides.
const REPOS = ['a', 'a/b', 'ab'];
const DIGESTS = Array.from({ length: 3 }, (_, i) => digest(`model-${i}`));
const key = (repo: string, d: string) => `${repo} ${d}`;

const repo = fc.constantFrom(...REPOS);
const dig = fc.constantFrom(...DIGESTS);
const meta = fc.record({
  path: fc
    .oneof(
      fc.constantFrom('/p', '/blobs/x/data', 'é🐳'),
      fc.string({ minLength: 1, maxLength: 12 }),
    )
    .filter((p) => !p.includes('\0') && p.isWellFormed()),
  length: fc.oneof(fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER), fc.nat()),
});

function command(
  label: string,
  run: (model: Model, cache: LayerInfoCache) => Promise<void>,
): Command {
  return { check: () => true, run, toString: () => label };
}

const containsCommand = fc.tuple(repo, dig).map(([r, d]) =>
  command(`contains(${r}, ${short(d)})`, async (m, c) => {
    expect(await c.contains(r, d), `contains(${r}, ${short(d)})`).toBe(m.links.has(key(r, d)));
  }),
);

const addCommand = fc.tuple(repo, dig).map(([r, d]) =>
  command(`add(${r}, ${short(d)})`, async (m, c) => {
    await c.add(r, d);
    m.links.add(key(r, d));
  }),
);

const removeCommand = fc.tuple(repo, dig).map(([r, d]) =>
  command(`remove(${r}, ${short(d)})`, async (m, c) => {
    expect(await c.remove(r, d), `remove(${r}, ${short(d)})`).toBe(m.links.delete(key(r, d)));
  }),
);

const commands = [
  // Membership commands appear more often than clear, so that sequences build up state across
  // repositories before something wipes it (a revocation leak needs add, remove, add elsewhere,
  // then a read, with no clear in between).
  containsCommand,
  containsCommand,
  addCommand,
  addCommand,
  removeCommand,
  removeCommand,
  dig.map((d) =>
    command(`meta(${short(d)})`, async (m, c) => {
      const expected = m.metas.get(d);
      if (expected === undefined) {
        await expect(c.meta(d), `meta(${short(d)})`).rejects.toMatchObject({
          code: ErrorCode.NotFound,
        });
      } else {
        expect(await c.meta(d), `meta(${short(d)})`).toEqual(expected);
      }
    }),
  ),
  fc.tuple(dig, meta).map(([d, v]) =>
    command(`setMeta(${short(d)}, ${JSON.stringify(v)})`, async (m, c) => {
      await c.setMeta(d, v);
      m.metas.set(d, v);
    }),
  ),
  dig.map((d) =>
    command(`deleteMeta(${short(d)})`, async (m, c) => {
      expect(await c.deleteMeta(d), `deleteMeta(${short(d)})`).toBe(m.metas.delete(d));
    }),
  ),
  fc.constant(
    command('clear()', async (m, c) => {
      await c.clear();
      m.links.clear();
      m.metas.clear();
    }),
  ),
];

function runCount(h: Harness): number {
  const fromEnv = Number(process.env.LAYERCACHE_CONFORMANCE_RUNS);
  return h.capabilities.modelRuns ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100);
}

export function modelChecks(h: Harness): void {
  const runs = runCount(h);

  describe('model-based', () => {
    it(`random sequences of all seven operations match the reference model (${runs} runs, seed 20261128)`, {
      timeout: Math.max(h.timeoutMs, runs * 1000),
    }, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.commands(commands, { maxCommands: 60, size: 'max' }),
          async (sequence) => {
            const { cache } = await h.open();
            try {
              await fc.asyncModelRun(
                () => ({
                  model: { links: new Set<string>(), metas: new Map<string, LayerMeta>() },
                  real: cache,
                }),
                sequence,
              );
            } finally {
              await cache.close();
            }
          },
        ),
        { seed: 20261128, numRuns: runs, endOnFailure: true },
      );
    });
  });
}
