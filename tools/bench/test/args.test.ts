import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/bench/options.js';
import { parseCsvRow } from '../src/bench/redis-benchmark.js';
import { UsageError } from '../src/cli/args.js';
import { parseDemoArgs } from '../src/demo/options.js';

describe('demo flags', () => {
  it('defaults to SQLite, 5 ms simulated latency and the table', () => {
    const options = parseDemoArgs([]);
    expect(options).toMatchObject({
      adapter: 'sqlite',
      latencyMs: 5,
      json: false,
      root: undefined,
    });
  });

  it('--near-max and --near-staleness-ms turn the Redis near cache on with their values', () => {
    expect(parseDemoArgs(['--adapter', 'redis']).near).toBeUndefined();
    expect(parseDemoArgs(['--adapter', 'redis', '--near']).near).toEqual({});
    expect(
      parseDemoArgs(['--adapter', 'redis', '--near-max', '500', '--near-staleness-ms', '20']).near,
    ).toEqual({ max: 500, maxStalenessMs: 20 });
  });

  it('accepts the "--" pnpm forwards before the flags', () => {
    expect(parseDemoArgs(['--', '--adapter', 'memory', '--json'])).toMatchObject({
      adapter: 'memory',
      json: true,
    });
  });

  it.each([
    [['--adapter', 'mongo'], /--adapter must be one of memory, lru, sqlite, redis, got "mongo"/],
    [['--requests', 'many'], /--requests must be an integer/],
    [['--requests', '0'], /--requests must be an integer from 1/],
    [['--concurrency', '1.5'], /--concurrency must be an integer/],
    [['--latency-ms=-1'], /--latency-ms must be a number from 0/],
    [['--skew', ''], /--skew must be a number/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--requests'], /--requests/],
    [['stray'], /stray/],
    [['--redis-url', 'redis://x'], /--redis-url only makes sense with --adapter redis/],
    [['--port', '5000'], /--port only makes sense with --serve/],
    [['--serve', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['--near'], /--near only makes sense with --adapter redis/],
    [['--adapter', 'redis', '--near', '--driver', 'node-redis'], /--near needs --driver ioredis/],
    [
      ['--adapter', 'redis', '--near-staleness-ms', '0'],
      /--near-staleness-ms must be an integer from 1/,
    ],
  ])('rejects %j with a message naming the problem', (argv, message) => {
    expect(() => parseDemoArgs(argv)).toThrow(UsageError);
    expect(() => parseDemoArgs(argv)).toThrow(message);
  });
});

describe('bench flags', () => {
  it('--quick picks the reduced preset, and explicit flags override it', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ quick: true, rounds: 1, durationMs: 50 });
    expect(parseBenchArgs(['--quick', '--rounds', '2']).rounds).toBe(2);
  });

  it('--adapters keeps report order and rejects unknown names', () => {
    expect(parseBenchArgs(['--adapters', 'redis,memory']).adapters).toEqual(['memory', 'redis']);
    expect(() => parseBenchArgs(['--adapters', 'memory,etcd'])).toThrow(/--adapters must list/);
    expect(() => parseBenchArgs(['--adapters', ','])).toThrow(UsageError);
  });
});

describe('redis-benchmark output', () => {
  it('reads rps and p50/p99 from --csv output by column name', () => {
    const csv =
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
      '"SISMEMBER k m","41322.31","0.750","0.160","0.695","1.127","1.535","3.111"\n';
    expect(parseCsvRow(csv)).toEqual({ rps: 41322.31, p50: 0.695, p99: 1.535 });
  });

  it('fails loudly on output it does not understand', () => {
    expect(() => parseCsvRow('Could not connect to Redis')).toThrow(/no rps/);
  });
});
