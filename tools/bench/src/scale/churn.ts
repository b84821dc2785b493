import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerInfoCache } from '@layercache/core';
import { createLruCache } from '@layercache/lru';
import { createSqliteCache } from '@layercache/sqlite';
import { removeSqliteFiles } from '../adapters/probes.js';
import type { RunContext } from '../adapters/types.js';
import { heapUsed } from '../bench/footprint.js';
import { errorMessage } from '../cli/args.js';
import type { Progress } from '../cli/progress.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { createRandom } from '../workload/random.js';
import { digestAt, metaAt } from './keyspace.js';
import type { ChurnResult, ChurnSample } from './results.js';

/** The adapters a churn run exercises: the two with a bound to hold (lru `maxSize`, sqlite's sweep). */
export const CHURN_ADAPTERS = ['lru', 'sqlite'] as const;

const LRU_MAX_SIZE = 64 * 2 ** 20;
const LRU_TTL_MS = 5_000;
const SQLITE_TTL_MS = 2_000;
const SQLITE_SWEEP_MS = 1_000;
const MiB = 2 ** 20;

/** Options of {@link runChurn}. */
export interface ChurnOptions {
  readonly adapter: (typeof CHURN_ADAPTERS)[number];
  readonly context: RunContext;
  readonly durationMs: number;
  readonly progress: Progress;
  /** Registers the cleanup of what this run opens (closed by the caller on Ctrl-C). */
  readonly onOpen: (close: () => Promise<void>) => void;
}

/**
 * Fills a cache, churns it and refills it for `durationMs` at concurrency 64, sampling heap (and
 * for SQLite the file and its WAL) about 30 times. Each call is, by slot: 50% add + setMeta of a
 * new key, 20% contains of a recent key, 10% remove and 10% deleteMeta of a recent key, 10% a
 * refill (add + setMeta) of an old key that has expired or was evicted. TTLs are short so that
 * expiry, not just the size bound, takes entries away while the run lasts.
 */
export async function runChurn(options: ChurnOptions): Promise<ChurnResult> {
  const { adapter, context, durationMs, progress, onOpen } = options;
  const filename = join(context.tmpDir, `churn-${adapter}.sqlite`);
  const settings: Record<string, number> =
    adapter === 'lru'
      ? { maxSize: LRU_MAX_SIZE, ttlMs: LRU_TTL_MS }
      : { ttlMs: SQLITE_TTL_MS, sweepIntervalMs: SQLITE_SWEEP_MS };
  const lru =
    adapter === 'lru'
      ? createLruCache({ max: 1_000_000, maxSize: LRU_MAX_SIZE, ttlMs: LRU_TTL_MS })
      : undefined;
  const cache: LayerInfoCache =
    lru ?? createSqliteCache({ filename, ttlMs: SQLITE_TTL_MS, sweepIntervalMs: SQLITE_SWEEP_MS });
  const close = async () => {
    await cache.close();
    if (adapter === 'sqlite') await removeSqliteFiles(filename);
  };
  onOpen(close);

  const repos = Array.from({ length: 1000 }, (_, r) => `team-${r % 13}/service-${r}`);
  const random = createRandom(7);
  let fresh = 0;
  let operations = 0;
  const write = async (k: number) => {
    const digest = digestAt(k);
    await cache.add(repos[k % repos.length]!, digest);
    await cache.setMeta(digest, metaAt(k, digest));
  };
  const recent = () => Math.max(0, fresh - 1 - Math.floor(random() * 10_000));
  const call = async (i: number): Promise<unknown> => {
    const slot = i % 10;
    if (slot < 5) return write(fresh++);
    if (slot < 7) {
      const k = recent();
      return cache.contains(repos[k % repos.length]!, digestAt(k));
    }
    if (slot < 8) {
      const k = recent();
      return cache.remove(repos[k % repos.length]!, digestAt(k));
    }
    if (slot < 9) return cache.deleteMeta(digestAt(recent()));
    return write(Math.floor(random() * Math.max(1, fresh)));
  };

  const samples: ChurnSample[] = [];
  const start = performance.now();
  const fileSizes = () =>
    Promise.all(
      [filename, `${filename}-wal`].map((f) =>
        stat(f).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
  const sample = async () => {
    samples.push({
      atMs: Math.round(performance.now() - start),
      heapBytes: await heapUsed(),
      ...(adapter === 'sqlite'
        ? await fileSizes().then(([main, wal]) => ({ fileBytes: main! + wal!, walBytes: wal! }))
        : {}),
      ...(lru === undefined ? {} : { cacheBytes: lru.stats.bytes }),
      operations,
    });
  };
  const sampleEvery = Math.max(20, Math.floor(durationMs / 30));
  progress.start(`churn ${adapter}`, durationMs);
  let error: string | undefined;
  try {
    await sample();
    // In slices, sampling between them: an in-process cache answers in microtasks only, so a
    // timer would not fire until the whole run was over.
    let next = 0;
    while (performance.now() - start < durationMs) {
      const slice = Math.min(sampleEvery, durationMs - (performance.now() - start));
      const run = await runClosedLoop((i) => call(next + i), {
        concurrency: 64,
        durationMs: Math.max(1, slice),
      });
      next += run.operations;
      operations += run.operations;
      await sample();
      progress.increment(Math.round(run.elapsedMs));
    }
  } catch (caught) {
    error = errorMessage(caught);
  } finally {
    progress.stop();
    await close().catch(() => {});
  }
  return {
    adapter,
    durationMs,
    settings,
    operations,
    samples,
    verdict: verdictOf(adapter, samples),
    ...(error === undefined ? {} : { error }),
  };
}

/**
 * lru: what it charges never passes `maxSize`, and the heap of the last third of the run is no
 * larger than that of the middle third (+20%, +8 MiB for the collector's slack). sqlite: the file
 * (with its WAL) of the last third is no larger than that of the middle third (+20%, +1 MiB).
 */
function verdictOf(
  adapter: 'lru' | 'sqlite',
  samples: readonly ChurnSample[],
): ChurnResult['verdict'] {
  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(2 * third);
  const max = (values: number[]) => (values.length === 0 ? 0 : Math.max(...values));
  const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;
  if (adapter === 'lru') {
    const charged = max(samples.map((s) => s.cacheBytes ?? 0));
    const middleHeap = max(middle.map((s) => s.heapBytes));
    const lastHeap = max(last.map((s) => s.heapBytes));
    const held = charged <= LRU_MAX_SIZE && lastHeap <= middleHeap * 1.2 + 8 * MiB;
    return {
      bound: `maxSize ${mib(LRU_MAX_SIZE)}; heap stable`,
      held,
      detail: `charged at most ${mib(charged)}; heap max ${mib(middleHeap)} in the middle third, ${mib(lastHeap)} in the last`,
    };
  }
  const middleFile = max(middle.map((s) => s.fileBytes ?? 0));
  const lastFile = max(last.map((s) => s.fileBytes ?? 0));
  return {
    bound: 'file + WAL stable once the sweep runs',
    held: lastFile <= middleFile * 1.2 + MiB,
    detail: `file + WAL max ${mib(middleFile)} in the middle third, ${mib(lastFile)} in the last`,
  };
}
