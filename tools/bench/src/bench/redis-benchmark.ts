import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { deleteKeysUnder } from '../adapters/probes.js';
import type { OperationName } from './operations.js';
import type { RedisBenchmarkResult } from './results.js';

/** `true` when `redis-benchmark` is on PATH. */
export function hasRedisBenchmark(): boolean {
  const probe = spawnSync('redis-benchmark', ['--version'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

/**
 * `redis-benchmark` runs of the commands the raw baseline sends (the Go registry's layout), in
 * the order that fills what the reads then find: `SADD`/`HSET` before `SISMEMBER`/`HMGET`.
 */
const COMMANDS: readonly { operation: OperationName; args: (key: string) => string[] }[] = [
  { operation: 'add', args: (k) => ['SADD', `${k}set`, 'sha256:member'] },
  {
    operation: 'setMeta',
    args: (k) => ['HSET', `${k}hash`, 'path', '/docker/registry/v2/blobs/x/data', 'length', '1024'],
  },
  { operation: 'contains-hit', args: (k) => ['SISMEMBER', `${k}set`, 'sha256:member'] },
  { operation: 'contains-miss', args: (k) => ['SISMEMBER', `${k}set`, 'sha256:other'] },
  { operation: 'meta', args: (k) => ['HMGET', `${k}hash`, 'path', 'length'] },
];

/** Options of {@link runRedisBenchmark}. */
export interface RedisBenchmarkOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly concurrencies: readonly number[];
  /** Roughly how long each run should take; the request count is derived from it. */
  readonly durationMs: number;
  readonly onRun?: () => void;
}

/** Number of runs {@link runRedisBenchmark} does (for progress bars). */
export function redisBenchmarkRuns(concurrencies: readonly number[]): number {
  return COMMANDS.length * concurrencies.length;
}

/**
 * The server's own ceiling: `redis-benchmark -P 1` (no pipelining, one request per round trip
 * per connection) at each concurrency, on keys under the run's prefix (deleted afterwards).
 */
export async function runRedisBenchmark(
  options: RedisBenchmarkOptions,
): Promise<RedisBenchmarkResult[]> {
  const url = new URL(options.url);
  const base = ['-h', url.hostname || '127.0.0.1', '-p', url.port || '6379', '--csv', '-P', '1'];
  if (url.password) base.push('-a', decodeURIComponent(url.password));
  const key = `${options.keyPrefix}redis-benchmark:`;
  const results: RedisBenchmarkResult[] = [];
  try {
    for (const concurrency of options.concurrencies) {
      // Rough rates on a small machine: ~20k/s for one connection, ~100k/s for 64.
      const requests = Math.max(
        1000,
        Math.round((options.durationMs / 1000) * (concurrency === 1 ? 20_000 : 100_000)),
      );
      for (const { operation, args } of COMMANDS) {
        const argv = [...base, '-c', String(concurrency), '-n', String(requests), ...args(key)];
        const csv = await runCsv(argv, 120_000);
        const row = parseCsvRow(csv);
        results.push({
          command: args(key)[0]!,
          operation,
          concurrency,
          pipeline: 1,
          throughput: Math.round(row.rps),
          p50Ms: row.p50,
          p99Ms: row.p99,
        });
        options.onRun?.();
      }
    }
  } finally {
    const client = new Redis(options.url, { maxRetriesPerRequest: 1 });
    try {
      await deleteKeysUnder(client, key);
    } finally {
      client.disconnect();
    }
  }
  return results;
}

function runCsv(argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`redis-benchmark exited with ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

/**
 * Parses `redis-benchmark --csv` output: a header line naming the columns
 * (`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",…,"p99_latency_ms",…`) and
 * one row per test, every field quoted.
 */
export function parseCsvRow(csv: string): { rps: number; p50: number; p99: number } {
  const lines = csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('"'));
  const fields = (line: string) => line.split(',').map((f) => f.replace(/^"|"$/g, ''));
  const header = fields(lines[0] ?? '');
  const row = fields(lines[1] ?? '');
  const column = (name: string) => {
    const index = header.indexOf(name);
    const value = index < 0 ? Number.NaN : Number(row[index]);
    if (!Number.isFinite(value))
      throw new Error(`redis-benchmark output has no ${name}: ${csv.trim()}`);
    return value;
  };
  return { rps: column('rps'), p50: column('p50_latency_ms'), p99: column('p99_latency_ms') };
}
