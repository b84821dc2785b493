import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Subject } from '../adapters/types.js';
import { errorMessage } from '../cli/args.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { blobDataPath } from '../storage/layout.js';
import { sha256Digest } from '../workload/digests.js';
import type { FootprintResult } from './results.js';

// A full GC before each heap reading, without asking the user to run node with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** V8 heap in use after a full GC (twice, a turn of the event loop apart). */
export async function heapUsed(): Promise<number> {
  // Twice, with a turn of the event loop between, so weak and finalizable objects are gone too.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * A flat copy of an ASCII string, as one parsed off a request would be. A template literal builds
 * a tree of string pieces (a V8 ConsString) that stays in memory as such until something flattens
 * it: a cache that happens to flatten (validation does) would otherwise look ~200 bytes per entry
 * lighter than one that stores the tree as it came.
 */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/**
 * Storage taken by `entries` memberships (over 1,000 repositories) and `entries` metas, read by
 * the subject's probe before and after, and scaled to 100,000 of each. Digests and paths are
 * created fresh for each insert, so a heap measurement counts what the cache keeps, not strings
 * the benchmark holds anyway.
 */
export async function measureFootprint(
  label: string,
  create: () => Promise<Subject>,
  entries: number,
): Promise<FootprintResult | undefined> {
  const subject = await create();
  const probe = subject.footprint;
  if (probe === undefined) {
    await subject.close();
    return undefined;
  }
  const read = probe.kind === 'heap' ? heapUsed : () => probe.read();
  try {
    const repos = Array.from({ length: 1000 }, (_, r) => `team-${r % 13}/service-${r}`);
    const before = await read();
    const all = async () => {
      await runClosedLoop(
        async (k) => {
          const digest = flat(sha256Digest(`footprint:${k}`));
          await subject.add(repos[k % repos.length]!, digest);
          await subject.setMeta(digest, {
            path: flat(`/${blobDataPath(digest)}`),
            length: 1024 + k,
          });
        },
        { concurrency: 64, operations: entries },
      );
    };
    await (subject.bulk ? subject.bulk(all) : all());
    const after = await read();
    const bytes = Math.max(0, after - before);
    return {
      subject: label,
      kind: probe.kind,
      entries,
      bytes,
      bytesPer100k: Math.round((bytes * 100_000) / entries),
    };
  } catch (error) {
    return {
      subject: label,
      kind: probe.kind,
      entries,
      bytes: 0,
      bytesPer100k: 0,
      error: errorMessage(error),
    };
  } finally {
    await subject.close();
  }
}
