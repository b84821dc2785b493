#!/usr/bin/env node
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLayerInfoCache, type LayerInfoCache } from '@layercache/core';
import * as hdr from 'hdr-histogram-js';
import { ADAPTER_NAMES, type AdapterName, openCache } from '../caches.js';
import { startRegistry } from '../server.js';
import { type BlobRequest, createRequests, writeBenchTree } from './workload.js';

const USAGE = `Usage: pnpm --filter @layercache/example-registry bench:http [-- flags]

HEAD /v2/<name>/blobs/<digest> over HTTP against the example registry (keep-alive client in the
same process), Zipf-skewed, without a cache and with each adapter listed: requests/s, p50/p99,
backend calls per request.

  --adapters LIST       comma-separated: sqlite, redis, memory, lru (default: sqlite,redis)
  --redis-url URL       Redis for the redis adapter (default: a throwaway redis-server)
  --repos N             repositories in the generated tree (default: 200)
  --requests N          measured requests per run (default: 20000)
  --warmup N            unmeasured requests first, same sequence (default: 5000)
  --concurrency N       requests in flight (default: 16)
  --latency-ms MS       simulated storage latency per backend call (default: 0: the local disk)
  --skew S              Zipf exponent of repository popularity (default: 1.1)
  --foreign-percent P   % of requests for a blob the repository does not link (default: 3)
  --seed N              (default: 1)
  --json                one JSON object instead of the table
`;

interface Row {
  readonly cache: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly backendCallsPerRequest: number;
  readonly notFound: number;
}

/**
 * A cache that never holds anything: the service then asks storage for every request (the
 * registry's code path stays the same, so the comparison is the cache and nothing else).
 */
function noCache(): LayerInfoCache {
  return createLayerInfoCache(
    {
      contains: () => false,
      add: () => undefined,
      remove: () => false,
      meta: () => undefined,
      setMeta: () => undefined,
      deleteMeta: () => false,
      clear: () => undefined,
    },
    { name: 'none' },
  );
}

function head(agent: Agent, port: number, { name, digest }: BlobRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'HEAD', path: `/v2/${name}/blobs/${digest}`, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function measure(
  label: string,
  cache: LayerInfoCache,
  root: string,
  requests: readonly BlobRequest[],
  options: { warmup: number; concurrency: number; latencyMs: number },
): Promise<Row> {
  const registry = await startRegistry({ root, cache, latencyMs: options.latencyMs });
  const port = Number(new URL(registry.url).port);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const histogram = hdr.build({ numberOfSignificantValueDigits: 3 });
  let notFound = 0;
  const run = async (count: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const item = requests[next++ % requests.length] as BlobRequest;
        const started = performance.now();
        const status = await head(agent, port, item);
        if (!record) continue;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - started) * 1000)));
        if (status === 404) notFound++;
        else if (status !== 200) throw new Error(`HEAD answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  };
  try {
    await run(options.warmup, false);
    const before = registry.backend.calls.exists + registry.backend.calls.stat;
    const started = performance.now();
    await run(requests.length, true);
    const seconds = (performance.now() - started) / 1000;
    const calls = registry.backend.calls.exists + registry.backend.calls.stat - before;
    return {
      cache: label,
      requestsPerSecond: Math.round(requests.length / seconds),
      p50Ms: histogram.getValueAtPercentile(50) / 1000,
      p99Ms: histogram.getValueAtPercentile(99) / 1000,
      backendCallsPerRequest: Math.round((calls / requests.length) * 1000) / 1000,
      notFound,
    };
  } finally {
    agent.destroy();
    await registry.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    strict: true,
    options: {
      adapters: { type: 'string', default: 'sqlite,redis' },
      'redis-url': { type: 'string' },
      repos: { type: 'string', default: '200' },
      requests: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '16' },
      'latency-ms': { type: 'string', default: '0' },
      skew: { type: 'string', default: '1.1' },
      'foreign-percent': { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const number = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0`);
    return value;
  };
  const adapters = String(values.adapters).split(',').filter(Boolean) as AdapterName[];
  for (const adapter of adapters) {
    if (!ADAPTER_NAMES.includes(adapter)) throw new Error(`unknown adapter ${adapter}`);
  }
  const settings = {
    warmup: number('warmup'),
    concurrency: Math.max(1, number('concurrency')),
    latencyMs: number('latency-ms'),
  };

  const dir = await mkdtemp(join(tmpdir(), 'layercache-bench-http-'));
  const rows: Row[] = [];
  const skipped: string[] = [];
  let redisServer: { url: string; stop(): Promise<void> } | undefined;
  try {
    const tree = writeBenchTree(dir, Math.max(1, number('repos')), number('seed'));
    const requests = createRequests(tree, {
      count: Math.max(1, number('requests')),
      skew: number('skew'),
      foreignRatio: number('foreign-percent') / 100,
      seed: number('seed'),
    });
    const none = noCache();
    // The service over a cache that holds nothing: storage answers every request, and only
    // concurrent misses of one key share a call (as they would without layercache in most
    // registries' singleflight).
    rows.push(await measure('no cache', none, dir, requests, settings));
    await none.close();
    for (const adapter of adapters) {
      let redisUrl = values['redis-url'];
      if (adapter === 'redis' && redisUrl === undefined) {
        try {
          const { startRedisServer } = await import('@layercache/redis/testing');
          redisServer ??= await startRedisServer();
          redisUrl = redisServer.url;
        } catch (error) {
          skipped.push(`redis: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
      }
      const opened = await openCache({
        adapter,
        ...(adapter === 'redis' ? { redisUrl } : {}),
        ...(adapter === 'sqlite' ? { sqliteFile: join(dir, 'cache.sqlite') } : {}),
      });
      try {
        rows.push(await measure(`layercache ${adapter}`, opened.cache, dir, requests, settings));
        if (adapter === 'redis') await opened.cache.clear();
      } finally {
        await opened.close();
      }
    }
  } finally {
    await redisServer?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const setup = {
    requests: Number(values.requests),
    warmup: settings.warmup,
    concurrency: settings.concurrency,
    simulatedStorageLatencyMs: settings.latencyMs,
    skew: Number(values.skew),
    foreignPercent: Number(values['foreign-percent']),
    repos: Number(values.repos),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ setup, rows, skipped }, null, 2)}\n`);
    return;
  }
  const lines = [
    `HEAD /v2/<name>/blobs/<digest> over HTTP, keep-alive, ${setup.concurrency} in flight, ` +
      `${setup.requests} requests after ${setup.warmup} warm-up, Zipf ${setup.skew}, ` +
      `${setup.foreignPercent}% foreign, storage latency ${setup.simulatedStorageLatencyMs} ms ` +
      `(${setup.simulatedStorageLatencyMs > 0 ? 'simulated' : 'local disk'})`,
    '',
    '| cache | requests/s | p50 ms | p99 ms | backend calls/request | 404s |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.cache} | ${row.requestsPerSecond} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.backendCallsPerRequest.toFixed(3)} | ${row.notFound} |`,
    ),
    ...skipped.map((line) => `skipped ${line}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:http: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
