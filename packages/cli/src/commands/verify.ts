import { readFile, stat } from 'node:fs/promises';
import type { LayerCacheEntry, LayerInfoCache } from '@layercache/core';
import { CommandError, type Io, print, printJson } from '../io.js';
import type { StorageLayout } from '../layout.js';
import { progressBar } from '../progress.js';
import { entriesOf } from './list.js';
import { countEntries } from './stats.js';

/** An entry the storage tree no longer backs, and why. */
export type StaleEntry =
  | {
      readonly kind: 'membership';
      readonly repo: string;
      readonly digest: string;
      readonly reason: string;
    }
  | { readonly kind: 'meta'; readonly digest: string; readonly reason: string };

// File checks in flight at once: enough to hide a network filesystem's latency.
const PARALLEL = 32;

const isMissing = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/** The size of a file, or `undefined` when it does not exist. Other failures propagate. */
async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function readLink(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Why `entry` is stale, or `undefined` when the storage still backs it. */
async function check(entry: LayerCacheEntry, layout: StorageLayout): Promise<string | undefined> {
  if (entry.kind === 'membership') {
    // What the registry itself does on a pull: read the link, then stat the blob it names.
    const linked = await readLink(layout.layerLink(entry.repo, entry.digest));
    if (linked === undefined) return 'link file missing';
    if (linked !== entry.digest) return `link file names ${linked}`;
    if ((await sizeOf(layout.blobData(entry.digest))) === undefined) return 'blob data missing';
    return undefined;
  }
  const size = await sizeOf(layout.blobData(entry.digest));
  if (size === undefined) return 'blob data missing';
  if (size !== entry.meta.length) {
    return `blob data is ${size} bytes, the cache says ${entry.meta.length}`;
  }
  return undefined;
}

function describe(entry: StaleEntry): string {
  return entry.kind === 'membership'
    ? `stale membership ${entry.repo} ${entry.digest}: ${entry.reason}`
    : `stale meta ${entry.digest}: ${entry.reason}`;
}

export async function verify(
  cache: LayerInfoCache,
  io: Io,
  options: { layout: StorageLayout; fix: boolean; json: boolean },
  signal: AbortSignal,
): Promise<number> {
  const { layout } = options;
  // The bar needs a total: on a terminal only, count first (one more pass over the cache).
  const total =
    io.stderr.isTTY === true && !options.json
      ? await countEntries(cache, signal).then((c) => c.memberships + c.metas)
      : 0;
  const bar = progressBar(io, total, 'verifying');

  const stale: StaleEntry[] = [];
  const checked = { memberships: 0, metas: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;

  const start = (entry: LayerCacheEntry) => {
    const job = check(entry, layout).then(
      (reason) => {
        if (entry.kind === 'membership') checked.memberships += 1;
        else checked.metas += 1;
        if (reason !== undefined) {
          stale.push(
            entry.kind === 'membership'
              ? { kind: 'membership', repo: entry.repo, digest: entry.digest, reason }
              : { kind: 'meta', digest: entry.digest, reason },
          );
        }
        const done = checked.memberships + checked.metas;
        bar.update(done, stale.length > 0 ? `, ${stale.length} stale` : '');
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  try {
    for await (const entry of entriesOf(cache, signal)) {
      if (failure !== undefined) break;
      start(entry);
      if (inFlight.size >= PARALLEL) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    bar.finish();
  }
  if (failure !== undefined) {
    const detail = failure instanceof Error ? failure.message : String(failure);
    throw new CommandError(`cannot read the storage tree under ${layout.v2}: ${detail}`);
  }

  // Removed after the listing rather than during it, so the listing never races its own fixes.
  // Removing an entry the storage has meanwhile brought back costs one miss, never a wrong answer.
  let fixed = 0;
  if (options.fix) {
    for (const entry of stale) {
      if (entry.kind === 'membership') await cache.remove(entry.repo, entry.digest, { signal });
      else await cache.deleteMeta(entry.digest, { signal });
      fixed += 1;
    }
  }
  const order = (a: StaleEntry, b: StaleEntry) => describe(a).localeCompare(describe(b));
  stale.sort(order);

  if (options.json) {
    printJson(io, { root: layout.v2, checked, stale, fixed: options.fix ? fixed : null });
  } else {
    for (const entry of stale) print(io.stdout, describe(entry));
    print(
      io.stdout,
      `checked ${checked.memberships} memberships and ${checked.metas} metas against ${layout.v2}: ` +
        `${stale.length} stale${options.fix ? `, ${fixed} removed` : ''}`,
    );
  }
  return stale.length > 0 && !options.fix ? 1 : 0;
}
