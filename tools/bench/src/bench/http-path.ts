import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One row of the example registry's HTTP benchmark. */
export interface HttpPathRow {
  readonly cache: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly backendCallsPerRequest: number;
  readonly notFound: number;
}

/** `HEAD /v2/<name>/blobs/<digest>` through the example registry, with and without the cache. */
export interface HttpPathResult {
  readonly setup: Readonly<Record<string, number>>;
  readonly rows: readonly HttpPathRow[];
  readonly skipped: readonly string[];
}

// tools/bench/dist/bench/http-path.js → examples/registry/dist/bench/http.js. The example is run,
// never imported (nothing imports examples/*): it is the registry a user would run.
const SCRIPT = fileURLToPath(
  new URL('../../../../examples/registry/dist/bench/http.js', import.meta.url),
);

/**
 * Runs the example registry's `bench:http` (keep-alive HTTP client in its process, Zipf-skewed,
 * 5 ms of simulated object-storage latency per backend call) on SQLite and Redis, against the
 * run's Redis, and returns its rows.
 */
export function runHttpPath(options: {
  readonly redisUrl: string;
  readonly requests: number;
}): Promise<HttpPathResult> {
  if (!existsSync(SCRIPT)) {
    return Promise.reject(new Error(`${SCRIPT} is not built (pnpm build)`));
  }
  const args = [
    SCRIPT,
    '--json',
    '--adapters',
    'sqlite,redis',
    '--redis-url',
    options.redisUrl,
    '--requests',
    String(options.requests),
    '--warmup',
    String(Math.ceil(options.requests / 4)),
    '--latency-ms',
    '5',
    '--concurrency',
    '64',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`bench:http exited ${code}: ${stderr.trim().slice(0, 300)}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as HttpPathResult);
      } catch (error) {
        reject(new Error('bench:http printed no JSON', { cause: error }));
      }
    });
  });
}
