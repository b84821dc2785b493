import type { Subject } from '../adapters/types.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { type Dataset, keyIndex } from './dataset.js';

/** The operations measured, in report order. */
export const OPERATIONS = [
  'contains-hit',
  'contains-miss',
  'add',
  'meta',
  'setMeta',
  'stat-pair',
  'read-heavy-mix',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** What `--quick` measures: one read, one write, the registry's pair and the targets' mix. */
export const QUICK_OPERATIONS: readonly OperationName[] = [
  'contains-hit',
  'setMeta',
  'stat-pair',
  'read-heavy-mix',
];

/** What each operation does, for the report. */
export const OPERATION_NOTES: Readonly<Record<OperationName, string>> = {
  'contains-hit': '`contains` of a membership that exists',
  'contains-miss': '`contains` of a digest the repository never linked',
  add: '`add` (idempotent after the first pass over the keys)',
  meta: '`meta` of a known digest',
  setMeta: '`setMeta` overwriting a known digest',
  'stat-pair':
    '`contains` then `meta` for the same blob: what a registry does per blob `HEAD` (the Go registry’s cached `Stat`); counted as 1 pair',
  'read-heavy-mix': '40% contains hit, 40% meta, 10% contains miss, 10% setMeta; counted per call',
};

/**
 * The i-th call of `operation` on `subject`. Returned functions are monomorphic per operation so
 * the measured loop does not branch on the operation name.
 */
export function operationOf(
  operation: OperationName,
  subject: Subject,
  data: Dataset,
): (i: number) => Promise<unknown> {
  const { keys, repos, digests, metas, otherMetas, missDigests, addDigests } = data;
  const R = repos.length;
  switch (operation) {
    case 'contains-hit':
      return (i) => {
        const k = keyIndex(i, keys);
        return subject.contains(repos[k % R]!, digests[k]!);
      };
    case 'contains-miss':
      return (i) => {
        const k = keyIndex(i, keys);
        return subject.contains(repos[k % R]!, missDigests[k]!);
      };
    case 'add':
      return (i) => {
        const k = keyIndex(i, keys);
        return subject.add(repos[k % R]!, addDigests[k]!);
      };
    case 'meta':
      return (i) => subject.meta(digests[keyIndex(i, keys)]!);
    case 'setMeta':
      return (i) => {
        const k = keyIndex(i, keys);
        return subject.setMeta(digests[k]!, (i & 1 ? otherMetas : metas)[k]!);
      };
    case 'stat-pair':
      return async (i) => {
        const k = keyIndex(i, keys);
        const digest = digests[k]!;
        if (await subject.contains(repos[k % R]!, digest)) await subject.meta(digest);
      };
    case 'read-heavy-mix':
      return (i) => {
        const k = keyIndex(i, keys);
        const slot = i % 10;
        if (slot < 4) return subject.contains(repos[k % R]!, digests[k]!);
        if (slot < 8) return subject.meta(digests[k]!);
        if (slot < 9) return subject.contains(repos[k % R]!, missDigests[k]!);
        return subject.setMeta(digests[k]!, metas[k]!);
      };
  }
}

/** Fills `subject` with the dataset's memberships and metas, 64 calls in flight. */
export async function fill(subject: Subject, data: Dataset): Promise<void> {
  const { keys, repos, digests, metas } = data;
  const all = async () => {
    await runClosedLoop(
      async (k) => {
        await subject.add(repos[k % repos.length]!, digests[k]!);
        await subject.setMeta(digests[k]!, metas[k]!);
      },
      { concurrency: 64, operations: keys },
    );
  };
  await (subject.bulk ? subject.bulk(all) : all());
}

/**
 * Checks a filled subject answers like the model (a hit is `true`, a miss `false`, a meta the one
 * set): a fast wrong answer must not pass for a fast right one.
 */
export async function verify(subject: Subject, data: Dataset): Promise<void> {
  const { keys, repos, digests, metas, missDigests } = data;
  for (let s = 0; s < Math.min(keys, 25); s++) {
    const k = keyIndex(s * 31 + 1, keys);
    const repo = repos[k % repos.length]!;
    if ((await subject.contains(repo, digests[k]!)) !== true) {
      throw new Error(`${subject.label}: contains(${repo}, digests[${k}]) should be true`);
    }
    if ((await subject.contains(repo, missDigests[k]!)) !== false) {
      throw new Error(`${subject.label}: contains of a missing digest should be false`);
    }
    const meta = await subject.meta(digests[k]!);
    if (meta?.path !== metas[k]!.path || meta.length !== metas[k]!.length) {
      throw new Error(`${subject.label}: meta(digests[${k}]) gave ${JSON.stringify(meta)}`);
    }
  }
}
