import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { LayerInfoCache } from '@layercache/core';
import { parseGcLog } from '../gclog.js';
import { CommandError, type Io, print, printJson } from '../io.js';
import { entriesOf, forgetterOf } from './list.js';

/** What was (or, with `--dry-run`, would be) removed for one deleted blob. */
export interface Forgotten {
  readonly digest: string;
  /** Whether its meta was cached. */
  readonly meta: boolean;
  /** How many repositories' memberships of it were cached. */
  readonly memberships: number;
}

// Digests forgotten at once. Each forgetDigest may scan the whole cache, so a few at a time
// keeps the backend responsive for the registries using it.
const PARALLEL = 4;

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readLog(source: string, io: Io): Promise<string> {
  if (source === '-') return readAll(io.stdin);
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    throw new CommandError(`cannot read the garbage-collection log ${source}: ${code}`);
  }
}

/** With `--dry-run`: one pass over the entries, counting what `forget` would remove. */
async function preview(
  cache: LayerInfoCache,
  digests: readonly string[],
  signal: AbortSignal,
): Promise<Forgotten[]> {
  const wanted = new Map(digests.map((digest) => [digest, { meta: false, memberships: 0 }]));
  for await (const entry of entriesOf(cache, signal)) {
    const found = wanted.get(entry.digest);
    if (found === undefined) continue;
    if (entry.kind === 'meta') found.meta = true;
    else found.memberships += 1;
  }
  return digests.map((digest) => ({ digest, ...wanted.get(digest)! }));
}

async function forgetAll(
  cache: LayerInfoCache,
  digests: readonly string[],
  signal: AbortSignal,
): Promise<Forgotten[]> {
  const forgetDigest = forgetterOf(cache);
  const results: Forgotten[] = new Array(digests.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < digests.length) {
      const index = next++;
      const digest = digests[index]!;
      const [meta, memberships] = await Promise.all([
        cache.deleteMeta(digest, { signal }),
        forgetDigest(digest, { signal }),
      ]);
      results[index] = { digest, meta, memberships };
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, digests.length) }, worker));
  return results;
}

function describe(entry: Forgotten, dryRun: boolean): string {
  const parts: string[] = [];
  if (entry.meta) parts.push('meta');
  if (entry.memberships > 0) {
    parts.push(`${entry.memberships} membership${entry.memberships === 1 ? '' : 's'}`);
  }
  if (parts.length === 0) return `${entry.digest}: not cached`;
  return `${entry.digest}: ${dryRun ? 'would remove' : 'removed'} ${parts.join(' and ')}`;
}

export async function forget(
  cache: LayerInfoCache,
  io: Io,
  options: { source: string; dryRun: boolean; json: boolean },
  signal: AbortSignal,
): Promise<number> {
  const log = parseGcLog(await readLog(options.source, io));
  for (const line of log.unreadable) {
    print(io.stderr, `layercache: ignored a deletion line with an unsupported digest: ${line}`);
  }
  const forgotten =
    log.digests.length === 0
      ? []
      : options.dryRun
        ? await preview(cache, log.digests, signal)
        : await forgetAll(cache, log.digests, signal);
  const totals = {
    blobs: forgotten.length,
    metas: forgotten.filter((entry) => entry.meta).length,
    memberships: forgotten.reduce((sum, entry) => sum + entry.memberships, 0),
  };
  if (options.json) {
    printJson(io, { dryRun: options.dryRun, blobs: forgotten, totals });
    return 0;
  }
  if (log.digests.length === 0) {
    print(io.stderr, 'layercache: the log lists no deleted blob ("blob eligible for deletion: …")');
  }
  for (const entry of forgotten) print(io.stdout, describe(entry, options.dryRun));
  const verb = options.dryRun ? 'would remove' : 'removed';
  print(
    io.stdout,
    `${totals.blobs} deleted blob${totals.blobs === 1 ? '' : 's'}: ${verb} ${totals.metas} meta${totals.metas === 1 ? '' : 's'} and ${totals.memberships} membership${totals.memberships === 1 ? '' : 's'}`,
  );
  return 0;
}
