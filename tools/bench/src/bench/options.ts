import { ADAPTER_NAMES, type AdapterName } from '../adapters/types.js';
import { integerFlag, parseFlags, UsageError } from '../cli/args.js';

/** Settings of a full run and of `--quick` (CI: proves it works in well under a minute). */
export const BENCH_PRESETS = {
  full: { durationMs: 150, rounds: 6, keys: 10_000, memoryEntries: 100_000 },
  quick: { durationMs: 50, rounds: 1, keys: 1_000, memoryEntries: 2_000 },
} as const;

const FLAGS = {
  quick: { type: 'boolean' },
  adapters: { type: 'string' },
  'redis-url': { type: 'string' },
  'duration-ms': { type: 'string' },
  rounds: { type: 'string' },
  keys: { type: 'string' },
  'memory-entries': { type: 'string' },
  'skip-memory': { type: 'boolean' },
  'skip-redis-benchmark': { type: 'boolean' },
  'skip-http': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const BENCH_USAGE = `Usage: pnpm bench [-- flags]   (or: node tools/bench/dist/bench.js [flags])

Measures every adapter beside its raw backend and the peers a user would otherwise pick,
interleaved in one run, and writes bench/results/latest.json, latest.md and chart.svg.

  --quick                  reduced run for CI: 4 operations, ${BENCH_PRESETS.quick.durationMs} ms cells, 1 round, small data
  --adapters LIST          comma-separated subset of ${ADAPTER_NAMES.join(',')} (default: all)
  --redis-url URL          Redis to use (default: start a throwaway redis-server)
  --duration-ms MS         length of one measurement cell (default: ${BENCH_PRESETS.full.durationMs}, quick: ${BENCH_PRESETS.quick.durationMs})
  --rounds N               interleaved rounds per cell (default: ${BENCH_PRESETS.full.rounds}, quick: ${BENCH_PRESETS.quick.rounds})
  --keys N                 memberships and metas preloaded (default: ${BENCH_PRESETS.full.keys}, quick: ${BENCH_PRESETS.quick.keys})
  --memory-entries N       entries for the memory measurement, scaled to 100k (default: ${BENCH_PRESETS.full.memoryEntries}, quick: ${BENCH_PRESETS.quick.memoryEntries})
  --skip-memory            do not measure memory per 100k
  --skip-redis-benchmark   do not run redis-benchmark
  --skip-http              do not run the example registry's HTTP read path (quick runs never do)
  --out DIR                where to write the results (default: bench/results at the repository root)
  --json                   print the results as JSON instead of the tables
  --scale                  the cost curve from 10k to 10M entries instead (see --scale --help)
  -h, --help               show this help
`;

/** The bench's settings, parsed and checked. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly adapters: readonly AdapterName[];
  readonly redisUrl: string | undefined;
  readonly durationMs: number;
  readonly rounds: number;
  readonly keys: number;
  readonly memoryEntries: number;
  readonly skipMemory: boolean;
  readonly skipRedisBenchmark: boolean;
  readonly skipHttp: boolean;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly help: boolean;
}

/** Parses the bench's command line; throws `UsageError` on anything it does not understand. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const flags = parseFlags(argv, FLAGS);
  const preset = flags.quick ? BENCH_PRESETS.quick : BENCH_PRESETS.full;
  let adapters: AdapterName[] = [...ADAPTER_NAMES];
  if (flags.adapters !== undefined) {
    const names = flags.adapters
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const unknown = names.filter((n) => !(ADAPTER_NAMES as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0) {
      throw new UsageError(
        `--adapters must list some of ${ADAPTER_NAMES.join(', ')}, got "${flags.adapters}"`,
      );
    }
    adapters = ADAPTER_NAMES.filter((n) => names.includes(n));
  }
  return {
    quick: flags.quick === true,
    adapters,
    redisUrl: flags['redis-url'],
    durationMs: integerFlag('duration-ms', flags['duration-ms'], preset.durationMs, {
      max: 60_000,
    }),
    rounds: integerFlag('rounds', flags.rounds, preset.rounds, { max: 100 }),
    keys: integerFlag('keys', flags.keys, preset.keys, { min: 10, max: 1_000_000 }),
    memoryEntries: integerFlag('memory-entries', flags['memory-entries'], preset.memoryEntries, {
      min: 100,
      max: 1_000_000,
    }),
    skipMemory: flags['skip-memory'] === true,
    skipRedisBenchmark: flags['skip-redis-benchmark'] === true,
    skipHttp: flags['skip-http'] === true,
    out: flags.out,
    json: flags.json === true,
    help: flags.help === true,
  };
}
