import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subject } from './adapters/types.js';
import { checkTargets, redisPairsPerSecond } from './bench/analysis.js';
import { createDataset } from './bench/dataset.js';
import { measureFootprint } from './bench/footprint.js';
import { type HttpPathResult, runHttpPath } from './bench/http-path.js';
import { measureCells } from './bench/measure.js';
import { fill, OPERATIONS, QUICK_OPERATIONS, verify } from './bench/operations.js';
import { BENCH_USAGE, parseBenchArgs } from './bench/options.js';
import {
  hasRedisBenchmark,
  redisBenchmarkRuns,
  runRedisBenchmark,
} from './bench/redis-benchmark.js';
import type { BenchResults, FootprintResult, RedisBenchmarkResult } from './bench/results.js';
import { loadLineup } from './bench/subjects.js';
import { GO_REGISTRY_REFERENCE } from './bench/targets.js';
import { errorMessage, runCommand } from './cli/args.js';
import { withInterruptCleanup } from './cli/interrupt.js';
import { createProgress } from './cli/progress.js';
import { createRunContext } from './context.js';
import { renderChart } from './report/chart.js';
import { renderConsole } from './report/console.js';
import { renderMarkdown } from './report/markdown.js';
import { updateReadme } from './report/readme.js';
import { runScale } from './scale/run.js';

const CONCURRENCIES = [1, 64] as const;

/** `bench/results` at the repository root (this file is tools/bench/dist/bench.js). */
const DEFAULT_OUT = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const ROOT_README = fileURLToPath(new URL('../../../README.md', import.meta.url));

async function main(argv: readonly string[]): Promise<void> {
  if ((argv[0] === '--' ? argv.slice(1) : argv).includes('--scale')) {
    await runScale(argv, { defaultOut: DEFAULT_OUT, readme: ROOT_README });
    return;
  }
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(BENCH_USAGE);
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
  const closeAll = async () => {
    const open = [...live.values()];
    live.clear();
    await Promise.allSettled(open.map((s) => s.close()));
  };

  const results = await withInterruptCleanup(
    async (): Promise<BenchResults> => {
      log(`bench: loading ${options.adapters.join(', ')} and their baselines and peers…`);
      const { lineup, instances } = await loadLineup(options.adapters, context);
      for (const [label, subject] of instances) live.set(label, subject);
      for (const s of lineup.skipped) log(`bench: skipped ${s.name}: ${s.reason}`);

      const data = createDataset(options.keys);
      progress.start('preloading', live.size);
      for (const [label, subject] of [...live]) {
        try {
          await fill(subject, data);
          await verify(subject, data);
        } catch (error) {
          lineup.skipped.push({ name: label, reason: `preload failed: ${errorMessage(error)}` });
          live.delete(label);
          await subject.close().catch(() => {});
        }
        progress.increment();
      }
      progress.stop();

      const operations = options.quick ? QUICK_OPERATIONS : OPERATIONS;
      const phaseStart = performance.now();
      const cells = await measureCells({
        subjects: live,
        data,
        operations,
        concurrencies: CONCURRENCIES,
        durationMs: options.durationMs,
        rounds: options.rounds,
        progress,
      });
      await closeAll();
      log(
        `bench: measured ${cells.length} cells in ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`,
      );

      let redisBenchmark: RedisBenchmarkResult[] = [];
      if (lineup.groups.has('redis') && !options.skipRedisBenchmark) {
        if (hasRedisBenchmark()) {
          const { url } = await context.redis();
          progress.start('redis-benchmark', redisBenchmarkRuns(CONCURRENCIES));
          try {
            redisBenchmark = await runRedisBenchmark({
              url,
              keyPrefix: context.keyPrefix,
              concurrencies: CONCURRENCIES,
              durationMs: options.durationMs * options.rounds,
              onRun: () => progress.increment(),
            });
          } catch (error) {
            lineup.skipped.push({ name: 'redis-benchmark', reason: errorMessage(error) });
          } finally {
            progress.stop();
          }
        } else {
          lineup.skipped.push({ name: 'redis-benchmark', reason: 'not installed (not on PATH)' });
        }
      }

      let httpPath: HttpPathResult | undefined;
      if (!options.quick && !options.skipHttp) {
        log('bench: HEAD blob over HTTP through the example registry…');
        try {
          const { url } = await context.redis();
          httpPath = await runHttpPath({ redisUrl: url, requests: 20_000 });
        } catch (error) {
          lineup.skipped.push({ name: 'HTTP read path', reason: errorMessage(error) });
        }
      }

      const footprints: FootprintResult[] = [];
      if (!options.skipMemory) {
        const measured = lineup.entries.filter(
          (e) => e.role !== 'peer' && cells.some((c) => c.subject === e.label && !c.error),
        );
        progress.start('memory per 100k', measured.length);
        for (const entry of measured) {
          try {
            const result = await measureFootprint(entry.label, entry.create, options.memoryEntries);
            if (result !== undefined) footprints.push(result);
          } catch (error) {
            lineup.skipped.push({ name: `${entry.label} memory`, reason: errorMessage(error) });
          }
          progress.increment();
        }
        progress.stop();
      }

      const targets = checkTargets(lineup, cells, redisBenchmark);
      const ours = redisPairsPerSecond(cells);
      const cpuList = cpus();
      return {
        schema: 1,
        date: startedAt.toISOString(),
        command: ['pnpm bench', ...(argv[0] === '--' ? argv.slice(1) : argv)].join(' '),
        machine: {
          node: process.version,
          platform: `${process.platform} ${process.arch}`,
          cpus: cpuList.length,
          cpuModel: (cpuList[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          loadAverage,
        },
        settings: {
          quick: options.quick,
          durationMs: options.durationMs,
          rounds: options.rounds,
          keys: options.keys,
          memoryEntries: options.memoryEntries,
          concurrencies: CONCURRENCIES,
          operations,
        },
        skipped: lineup.skipped,
        subjects: lineup.entries.map(({ label, role, adapters }) => ({ label, role, adapters })),
        cells,
        footprints,
        redisBenchmark,
        ...(httpPath === undefined ? {} : { httpPath }),
        targets,
        goReference: {
          ...GO_REGISTRY_REFERENCE,
          ours,
          ratio: ours === undefined ? undefined : ours / GO_REGISTRY_REFERENCE.pairsPerSecond,
        },
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

  const out = resolve(options.out ?? DEFAULT_OUT);
  await mkdir(out, { recursive: true });
  const markdown = renderMarkdown(results);
  await Promise.all([
    writeFile(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`),
    writeFile(join(out, 'latest.md'), markdown),
    writeFile(join(out, 'chart.svg'), renderChart(results)),
  ]);
  // Only a full run into the default place speaks for the project in its README; quick runs and
  // runs written elsewhere never touch it.
  const readmeUpdated =
    !options.quick && options.out === undefined && (await updateReadme(ROOT_README, markdown));
  process.stdout.write(
    options.json ? `${JSON.stringify(results, null, 2)}\n` : renderConsole(results),
  );
  if (!options.json) {
    process.stdout.write(`\nwrote ${join(out, 'latest.md')}, latest.json, chart.svg\n`);
    if (readmeUpdated) process.stdout.write(`updated the Performance section of ${ROOT_README}\n`);
  }
}

await runCommand('bench', main);
