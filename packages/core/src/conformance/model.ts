import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import type { LayerInfoCache, LayerMeta } from '../types.js';
import { confusableDigests, digest, MAX_REPO, MAX_REPO_NESTED } from './fixtures.js';
import type { Harness } from './harness.js';

/** The reference model: what any correct cache must answer. */
interface Model {
  readonly links: Set<string>;
  readonly metas: Map<string, LayerMeta>;
}

type Command = fc.AsyncCommand<Model, LayerInfoCache>;

// Each run draws a few repositories and digests from these pools, so that its sequence keeps
// hitting the same keys from different sides while the runs together cover the edge cases and an
// adapter's codec bugs show up here as well: repository names at the length limit (and one
// character short of it), every algorithm, digests that share their hex or a prefix of it.
const REPOS = ['a', 'a/b', 'ab', MAX_REPO, MAX_REPO.slice(1), MAX_REPO_NESTED];
const confusable = confusableDigests('model').map(([, d]) => d);
const DIGESTS = [
  digest('model-0'),
  digest('model-1'),
  confusable[0]!, // sha256 H[0:64]
  confusable[1]!, // blake3 with the same hex
  confusable[2]!, // sha384 H[0:96]
  confusable[3]!, // sha512 H
  confusable[6]!, // sha512 sharing only the first 64 characters
];
const key = (repo: string, d: string) => `${repo} ${d}`;

// Paths up to the 4096-byte limit in 1-, 2- and 4-byte characters, lengths past 32 bits.
const meta = fc.record({
  path: fc
    .oneof(
      fc.constantFrom('/p', '/blobs/x/data', 'é🐳', 'a:b|c{d}e'),
      fc.constantFrom(
        'p'.repeat(4096),
        'é'.repeat(2048),
        '🐳'.repeat(1024),
        `${'x'.repeat(4094)}é`,
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    )
    .filter((p) => !p.includes('\0') && p.isWellFormed() && Buffer.byteLength(p) <= 4096),
  length: fc.oneof(
    fc.constantFrom(0, 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 2, Number.MAX_SAFE_INTEGER),
    fc.nat(),
    fc.maxSafeNat(),
  ),
});

// Names that tell confusable digests and long repository names apart in a failing sequence.
const short = (d: string) => {
  const [algorithm, hex = ''] = d.split(':');
  return `${algorithm}:${hex.slice(0, 8)}…${hex.slice(-6)}`;
};
const shortRepo = (r: string) => (r.length > 20 ? `${r.slice(0, 9)}…(${r.length})` : r);

const describeMeta = (m: LayerMeta) =>
  JSON.stringify({
    path: m.path.length > 40 ? `${m.path.slice(0, 20)}… (${m.path.length} characters)` : m.path,
    length: m.length,
  });

function command(
  label: string,
  run: (model: Model, cache: LayerInfoCache) => Promise<void>,
): Command {
  return { check: () => true, run, toString: () => label };
}

function commandsOver(repos: readonly string[], digests: readonly string[]) {
  const repo = fc.constantFrom(...repos);
  const dig = fc.constantFrom(...digests);
  const containsCommand = fc.tuple(repo, dig).map(([r, d]) =>
    command(`contains(${shortRepo(r)}, ${short(d)})`, async (m, c) => {
      expect(await c.contains(r, d), `contains(${shortRepo(r)}, ${short(d)})`).toBe(
        m.links.has(key(r, d)),
      );
    }),
  );

  const addCommand = fc.tuple(repo, dig).map(([r, d]) =>
    command(`add(${shortRepo(r)}, ${short(d)})`, async (m, c) => {
      await c.add(r, d);
      m.links.add(key(r, d));
    }),
  );

  const removeCommand = fc.tuple(repo, dig).map(([r, d]) =>
    command(`remove(${shortRepo(r)}, ${short(d)})`, async (m, c) => {
      expect(await c.remove(r, d), `remove(${shortRepo(r)}, ${short(d)})`).toBe(
        m.links.delete(key(r, d)),
      );
    }),
  );

  return [
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
      command(`setMeta(${short(d)}, ${describeMeta(v)})`, async (m, c) => {
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
}

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
          fc
            .tuple(
              fc.shuffledSubarray(REPOS, { minLength: 2, maxLength: 3 }),
              fc.shuffledSubarray(DIGESTS, { minLength: 2, maxLength: 3 }),
            )
            .chain(([repos, digests]) =>
              fc.commands(commandsOver(repos, digests), { maxCommands: 60, size: 'max' }),
            ),
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
