import { ADAPTER_NAMES } from '../adapters/types.js';
import { choiceFlag, integerFlag, numberFlag, parseFlags, UsageError } from '../cli/args.js';

export const DEMO_DEFAULTS = {
  adapter: 'sqlite',
  repos: 200,
  requests: 10_000,
  concurrency: 32,
  latencyMs: 5,
  skew: 1.1,
  foreignPercent: 3,
  seed: 1,
} as const;

const FLAGS = {
  adapter: { type: 'string' },
  'redis-url': { type: 'string' },
  driver: { type: 'string' },
  near: { type: 'boolean' },
  'near-max': { type: 'string' },
  'near-staleness-ms': { type: 'string' },
  root: { type: 'string' },
  repos: { type: 'string' },
  requests: { type: 'string' },
  concurrency: { type: 'string' },
  'latency-ms': { type: 'string' },
  skew: { type: 'string' },
  'foreign-percent': { type: 'string' },
  seed: { type: 'string' },
  serve: { type: 'boolean' },
  port: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEMO_USAGE = `Usage: pnpm demo [-- flags]   (or: node tools/bench/dist/demo.js [flags])

Simulates a container registry serving pulls from storage in the Go registry's on-disk layout,
first straight against the storage backend, then through layercache's read-through service.

  --adapter NAME         cache adapter: ${ADAPTER_NAMES.join(' | ')} (default: ${DEMO_DEFAULTS.adapter}, in a temp file)
  --redis-url URL        Redis for --adapter redis (default: start a throwaway redis-server)
  --driver LIB           client library for --adapter redis: ioredis | node-redis (default: ioredis)
  --near                 for --adapter redis (ioredis): an in-process near cache in front of Redis
                         (near: { max, maxStalenessMs }), reporting the Redis commands it saves
  --near-max N           entries the near cache holds (default: 10000; implies --near)
  --near-staleness-ms N  the near cache's staleness bound in ms (default: 10; implies --near)
  --root DIR             use an existing registry storage directory (the one holding
                         docker/registry/v2), read-only, instead of generating one
  --repos N              repositories in the generated tree (default: ${DEMO_DEFAULTS.repos})
  --requests N           blob requests to replay (default: ${DEMO_DEFAULTS.requests})
  --concurrency N        requests in flight at once (default: ${DEMO_DEFAULTS.concurrency})
  --latency-ms MS        simulated object-storage latency per backend call (default: ${DEMO_DEFAULTS.latencyMs})
  --skew S               Zipf exponent of image popularity, 0 = uniform (default: ${DEMO_DEFAULTS.skew})
  --foreign-percent P    % of requests for blobs the repository does not link (default: ${DEMO_DEFAULTS.foreignPercent})
  --seed N               seed of the generated tree and request sequence (default: ${DEMO_DEFAULTS.seed})
  --serve                after the replay, keep the example registry (examples/registry) running
                         on the tree and print skopeo commands to try; Ctrl-C stops it
  --port N               port for --serve (default: 0, any free port)
  --json                 print one JSON object instead of the table
  -h, --help             show this help
`;

/** The demo's settings, parsed and checked. */
export interface DemoOptions {
  readonly adapter: (typeof ADAPTER_NAMES)[number];
  readonly redisUrl: string | undefined;
  readonly driver: 'ioredis' | 'node-redis' | undefined;
  /** The Redis adapter's `near` option (`--near`, `--near-max`, `--near-staleness-ms`). */
  readonly near: { readonly max?: number; readonly maxStalenessMs?: number } | undefined;
  readonly root: string | undefined;
  readonly repos: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  readonly skew: number;
  readonly foreignRatio: number;
  readonly seed: number;
  readonly serve: boolean;
  readonly port: number;
  readonly json: boolean;
  readonly help: boolean;
}

/** Parses the demo's command line; throws `UsageError` on anything it does not understand. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const flags = parseFlags(argv, FLAGS);
  if (flags['redis-url'] !== undefined && flags.adapter !== 'redis') {
    throw new UsageError('--redis-url only makes sense with --adapter redis');
  }
  if (flags.driver !== undefined && flags.adapter !== 'redis') {
    throw new UsageError('--driver only makes sense with --adapter redis');
  }
  const nearAsked =
    flags.near === true ||
    flags['near-max'] !== undefined ||
    flags['near-staleness-ms'] !== undefined;
  if (nearAsked && flags.adapter !== 'redis') {
    throw new UsageError('--near only makes sense with --adapter redis');
  }
  if (nearAsked && flags.driver === 'node-redis') {
    throw new UsageError('--near needs --driver ioredis (node-redis has no near cache yet)');
  }
  if (flags.port !== undefined && flags.serve !== true) {
    throw new UsageError('--port only makes sense with --serve');
  }
  return {
    adapter: choiceFlag('adapter', flags.adapter, ADAPTER_NAMES, DEMO_DEFAULTS.adapter),
    redisUrl: flags['redis-url'],
    driver:
      flags.driver === undefined
        ? undefined
        : choiceFlag('driver', flags.driver, ['ioredis', 'node-redis'] as const, 'ioredis'),
    near: nearAsked
      ? {
          ...(flags['near-max'] === undefined
            ? {}
            : { max: integerFlag('near-max', flags['near-max'], 0, { max: 10_000_000 }) }),
          ...(flags['near-staleness-ms'] === undefined
            ? {}
            : {
                maxStalenessMs: integerFlag('near-staleness-ms', flags['near-staleness-ms'], 0, {
                  max: 60_000,
                }),
              }),
        }
      : undefined,
    root: flags.root,
    repos: integerFlag('repos', flags.repos, DEMO_DEFAULTS.repos, { max: 100_000 }),
    requests: integerFlag('requests', flags.requests, DEMO_DEFAULTS.requests, { max: 10_000_000 }),
    concurrency: integerFlag('concurrency', flags.concurrency, DEMO_DEFAULTS.concurrency, {
      max: 10_000,
    }),
    latencyMs: numberFlag('latency-ms', flags['latency-ms'], DEMO_DEFAULTS.latencyMs, {
      min: 0,
      max: 10_000,
    }),
    skew: numberFlag('skew', flags.skew, DEMO_DEFAULTS.skew, { min: 0, max: 5 }),
    foreignRatio:
      numberFlag('foreign-percent', flags['foreign-percent'], DEMO_DEFAULTS.foreignPercent, {
        min: 0,
        max: 100,
      }) / 100,
    seed: integerFlag('seed', flags.seed, DEMO_DEFAULTS.seed, { min: 0, max: 2 ** 32 - 1 }),
    serve: flags.serve === true,
    port: integerFlag('port', flags.port, 0, { min: 0, max: 65_535 }),
    json: flags.json === true,
    help: flags.help === true,
  };
}
