import { ADAPTER_NAMES, type AdapterName } from '../adapters/types.js';
import { integerFlag, parseFlags, UsageError } from '../cli/args.js';

/** The sizes of a scale run when `--sizes` is not given. */
export const DEFAULT_SIZES = [10_000, 100_000, 1_000_000] as const;
const MIN_SIZE = 1_000;
const MAX_SIZE = 10_000_000;

/** Settings of a scale run without flags. */
export const SCALE_DEFAULTS = { durationMs: 150, rounds: 8, churnMs: 120_000 } as const;

const FLAGS = {
  scale: { type: 'boolean' },
  sizes: { type: 'string' },
  adapters: { type: 'string' },
  'redis-url': { type: 'string' },
  'duration-ms': { type: 'string' },
  rounds: { type: 'string' },
  'churn-ms': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const SCALE_USAGE = `Usage: pnpm bench -- --scale [flags]

The cost curve: for each size, each adapter beside its raw backend at the same size (preloaded
with that many memberships and metas), read-heavy mix at concurrency 64 with uniform and Zipf key
popularity, preload time and bytes per membership and per meta; then a churn run (lru, sqlite)
reporting heap and file size over time. Writes scale.json, scale.md and scale.svg.

  --sizes LIST             comma-separated sizes, 1k to 10m (default: 10k,100k,1m)
  --adapters LIST          comma-separated subset of ${ADAPTER_NAMES.join(',')} (default: all)
  --redis-url URL          Redis to use (default: start a throwaway redis-server)
  --duration-ms MS         length of one measurement, per round (default: ${SCALE_DEFAULTS.durationMs})
  --rounds N               interleaved rounds per workload (default: ${SCALE_DEFAULTS.rounds})
  --churn-ms MS            length of the churn run per adapter, 0 to skip (default: ${SCALE_DEFAULTS.churnMs})
  --out DIR                where to write the results (default: bench/results at the repository root)
  --json                   print the results as JSON instead of the tables
  -h, --help               show this help
`;

/** A scale run's settings, parsed and checked. */
export interface ScaleOptions {
  readonly sizes: readonly number[];
  readonly adapters: readonly AdapterName[];
  /** `true` when `--adapters` was not given. */
  readonly allAdapters: boolean;
  readonly redisUrl: string | undefined;
  readonly durationMs: number;
  readonly rounds: number;
  readonly churnMs: number;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly help: boolean;
}

/** `10k` → 10000, `1m` → 1000000, `2500` → 2500; `undefined` when not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = match[2]!.toLowerCase();
  const value = Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `10000` → `10k`, `1000000` → `1M`. */
export function formatSize(size: number): string {
  if (size >= 1e6 && size % 1e5 === 0) return `${size / 1e6}M`;
  if (size >= 1e3 && size % 100 === 0) return `${size / 1e3}k`;
  return String(size);
}

/** Parses `bench --scale`'s command line; throws `UsageError` on anything it does not understand. */
export function parseScaleArgs(argv: readonly string[]): ScaleOptions {
  const flags = parseFlags(argv, FLAGS);
  let sizes: number[] = [...DEFAULT_SIZES];
  if (flags.sizes !== undefined) {
    const parts = flags.sizes.split(',').filter((s) => s.trim() !== '');
    const parsed = parts.map(parseSize);
    if (parts.length === 0 || parsed.some((s) => s === undefined || s < MIN_SIZE || s > MAX_SIZE)) {
      throw new UsageError(
        `--sizes must list sizes from 1k to 10m (e.g. 10k,100k,1m), got "${flags.sizes}"`,
      );
    }
    sizes = [...new Set(parsed as number[])].sort((a, b) => a - b);
  }
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
    sizes,
    adapters,
    allAdapters: flags.adapters === undefined,
    redisUrl: flags['redis-url'],
    durationMs: integerFlag('duration-ms', flags['duration-ms'], SCALE_DEFAULTS.durationMs, {
      max: 60_000,
    }),
    rounds: integerFlag('rounds', flags.rounds, SCALE_DEFAULTS.rounds, { max: 100 }),
    churnMs: integerFlag('churn-ms', flags['churn-ms'], SCALE_DEFAULTS.churnMs, {
      min: 0,
      max: 3_600_000,
    }),
    out: flags.out,
    json: flags.json === true,
    help: flags.help === true,
  };
}
