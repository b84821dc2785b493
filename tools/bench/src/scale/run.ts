import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { DEFAULT_CACHE_SIZE_BYTES, DEFAULT_MMAP_SIZE_BYTES } from '@layercache/sqlite';
import { ADAPTERS } from '../adapters/registry.js';
import type { Subject } from '../adapters/types.js';
import { errorMessage } from '../cli/args.js';
import { withInterruptCleanup } from '../cli/interrupt.js';
import { createProgress } from '../cli/progress.js';
import { createRunContext } from '../context.js';
import { replaceBetweenMarkers } from '../report/readme.js';
import { renderScaleChart } from './chart.js';
import { CHURN_ADAPTERS, runChurn } from './churn.js';
import { createKeySpace, MATERIALIZE_LIMIT, ZIPF_SKEW } from './keyspace.js';
import { CONCURRENCY, heapRefusal, measureSize, PRELOAD_CONCURRENCY } from './measure.js';
import { DEFAULT_SIZES, formatSize, parseScaleArgs, SCALE_USAGE } from './options.js';
import { renderCurve, renderScaleMarkdown, renderScaleReadme } from './report.js';
import type { ChurnResult, ScaleResults, ScaleRun } from './results.js';

/** The README's scale subsection lies between these (inside its Performance section). */
export const SCALE_MARKERS = {
  start: '<!-- bench-scale:start -->',
  end: '<!-- bench-scale:end -->',
};

const binary = (bytes: number) =>
  bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
/**
 * Both subjects run at the adapter's defaults (`mmapSizeBytes`, `cacheSizeBytes`): raw
 * better-sqlite3 gets exactly the same pragmas, so the ratio stays honest. Read from the
 * constants both are configured with, so the report cannot name stale values.
 */
const SQLITE_PRAGMAS = `the adapter's defaults for both subjects (mmap_size ${binary(DEFAULT_MMAP_SIZE_BYTES)}, cache_size ${binary(DEFAULT_CACHE_SIZE_BYTES)}), WAL, synchronous NORMAL`;

/** Paths of `pnpm bench`'s results and of the README it updates. */
export interface ScalePaths {
  readonly defaultOut: string;
  readonly readme: string;
}

/** `pnpm bench -- --scale`: the cost curve from 10 thousand to 10 million entries. */
export async function runScale(argv: readonly string[], paths: ScalePaths): Promise<void> {
  const options = parseScaleArgs(argv);
  if (options.help) {
    process.stdout.write(SCALE_USAGE);
    return;
  }
  const startedAt = new Date();
  const loadAverage = loadavg();
  const context = await createRunContext(
    options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl },
  );
  const progress = createProgress();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const live = new Map<string, Subject>();
  const openChurn = new Set<() => Promise<void>>();
  const closeAll = async () => {
    const open = [...live.values()];
    live.clear();
    const churns = [...openChurn];
    openChurn.clear();
    await Promise.allSettled([...open.map((s) => s.close()), ...churns.map((c) => c())]);
  };

  const results = await withInterruptCleanup(
    async (): Promise<ScaleResults> => {
      const runs: ScaleRun[] = [];
      const skipped: { adapter: string; size?: number; reason: string }[] = [];
      const stopped = new Set<string>();
      let serial = 0;
      for (const size of options.sizes) {
        const wanted = options.adapters.filter((name) => {
          if (stopped.has(name)) return false;
          const refusal =
            heapRefusal(ADAPTERS[name], size) ??
            (name === 'lru' && size > 2_000_000
              ? 'the benchmark bounds lru at 2,000,000 entries per cache (lru-cache preallocates max)'
              : undefined);
          if (refusal !== undefined) {
            skipped.push({ adapter: name, size, reason: refusal });
            stopped.add(name);
            return false;
          }
          return true;
        });
        if (wanted.length === 0) continue;
        log(`bench --scale: ${formatSize(size)} keys for ${wanted.join(', ')}…`);
        const keys = createKeySpace(size);
        try {
          for (const name of wanted) {
            const t0 = performance.now();
            try {
              runs.push(
                await measureSize({
                  module: ADAPTERS[name],
                  keys,
                  context,
                  durationMs: options.durationMs,
                  rounds: options.rounds,
                  progress,
                  live,
                  id: `${name}-${serial++}`,
                }),
              );
              log(
                `bench --scale: ${name} at ${formatSize(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
              );
            } catch (error) {
              skipped.push({ adapter: name, size, reason: errorMessage(error) });
              stopped.add(name);
            }
          }
        } finally {
          keys.dispose();
        }
      }

      const churn: ChurnResult[] = [];
      if (options.churnMs > 0) {
        for (const adapter of CHURN_ADAPTERS) {
          if (!options.adapters.includes(adapter)) continue;
          log(`bench --scale: churn ${adapter} for ${(options.churnMs / 1000).toFixed(0)} s…`);
          let close: (() => Promise<void>) | undefined;
          try {
            churn.push(
              await runChurn({
                adapter,
                context,
                durationMs: options.churnMs,
                progress,
                onOpen: (c) => {
                  close = c;
                  openChurn.add(c);
                },
              }),
            );
          } catch (error) {
            skipped.push({ adapter: `${adapter} churn`, reason: errorMessage(error) });
          } finally {
            if (close !== undefined) openChurn.delete(close);
          }
        }
      }

      const cpuList = cpus();
      return {
        schema: 1,
        kind: 'scale',
        date: startedAt.toISOString(),
        command: ['pnpm bench --', ...(argv[0] === '--' ? argv.slice(1) : argv)].join(' '),
        machine: {
          node: process.version,
          platform: `${process.platform} ${process.arch}`,
          cpus: cpuList.length,
          cpuModel: (cpuList[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
          loadAverage,
        },
        settings: {
          sizes: options.sizes,
          adapters: options.adapters,
          concurrency: CONCURRENCY,
          preloadConcurrency: PRELOAD_CONCURRENCY,
          durationMs: options.durationMs,
          rounds: options.rounds,
          zipfSkew: ZIPF_SKEW,
          churnMs: options.churnMs,
          materializeLimit: MATERIALIZE_LIMIT,
          sqlitePragmas: SQLITE_PRAGMAS,
        },
        runs,
        skipped,
        churn,
      };
    },
    async () => {
      progress.stop();
      try {
        await closeAll();
      } finally {
        await context.dispose();
      }
    },
  );

  const out = resolve(options.out ?? paths.defaultOut);
  await mkdir(out, { recursive: true });
  await Promise.all([
    writeFile(join(out, 'scale.json'), `${JSON.stringify(results, null, 2)}\n`),
    writeFile(join(out, 'scale.md'), renderScaleMarkdown(results)),
    writeFile(join(out, 'scale.svg'), renderScaleChart(results)),
  ]);
  // Only a full curve (every adapter, at least the default sizes) into the default place speaks
  // for the project in its README.
  const full =
    options.out === undefined &&
    options.allAdapters &&
    DEFAULT_SIZES.every((s) => options.sizes.includes(s));
  const readmeUpdated =
    full &&
    (await replaceBetweenMarkers(
      paths.readme,
      SCALE_MARKERS.start,
      SCALE_MARKERS.end,
      renderScaleReadme(results),
    ));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${renderCurve(results)}\n`);
  for (const s of results.skipped) {
    process.stdout.write(
      `not measured: ${s.adapter}${s.size === undefined ? '' : ` at ${formatSize(s.size)}`}: ${s.reason}\n`,
    );
  }
  for (const c of results.churn) {
    process.stdout.write(
      `churn ${c.adapter}: ${c.verdict.held ? 'held' : 'NOT HELD'} (${c.verdict.detail})\n`,
    );
  }
  process.stdout.write(`\nwrote ${join(out, 'scale.md')}, scale.json, scale.svg\n`);
  if (readmeUpdated) process.stdout.write(`updated the scale curve in ${paths.readme}\n`);
}
