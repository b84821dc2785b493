import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../src/bench/results.js';
import type { DemoResult } from '../src/demo/result.js';
import { buildStorageTree } from '../src/storage/tree.js';

// These tests run the built commands as a user does: `pnpm --filter @layercache/bench build`
// first (the root `pnpm test` builds everything before testing).
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const run = promisify(execFile);

function node(script: string, args: string[]) {
  return run(process.execPath, [join(dist, script), ...args], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

beforeAll(() => {
  if (!existsSync(join(dist, 'demo.js'))) {
    throw new Error('tools/bench is not built: run pnpm --filter @layercache/bench build');
  }
});

describe('demo', () => {
  it('asks the backend far less through the cache and answers every request identically', async () => {
    const { stdout } = await node('demo.js', [
      '--json',
      '--adapter',
      'memory',
      '--repos',
      '20',
      '--requests',
      '400',
      '--concurrency',
      '8',
      '--latency-ms',
      '1',
    ]);
    const result = JSON.parse(stdout) as DemoResult;
    expect(result.simulatedLatencyMs).toBe(1);
    expect(result.adapter.name).toBe('memory');
    expect(result.storage).toMatchObject({ generated: true, repositories: 20 });
    expect(result.withoutCache.requests).toBe(400);
    // Without the cache every request is an exists, and a stat when linked.
    expect(result.withoutCache.backendCalls.exists).toBe(400);
    expect(result.withCache.backendCalls.total).toBeLessThan(
      result.withoutCache.backendCalls.total / 2,
    );
    expect(result.saved.backendCalls).toBe(
      result.withoutCache.backendCalls.total - result.withCache.backendCalls.total,
    );
    expect(result.withCache.hitRatio).toBeGreaterThan(0.5);
    expect(result.withCache.cacheErrors).toBe(0);
    expect(result.mismatches).toBe(0);
    expect(result.answersIdentical).toBe(true);
    expect(existsSync(result.storage.root)).toBe(false); // the temp tree is removed
  });

  it('prints a table that says the latency is simulated', async () => {
    const { stdout } = await node('demo.js', [
      '--adapter',
      'memory',
      '--repos',
      '10',
      '--requests',
      '100',
      '--latency-ms',
      '0',
    ]);
    expect(stdout).toMatch(/SIMULATED latency/);
    expect(stdout).toMatch(/backend calls saved/);
    expect(stdout).toMatch(/answers\s+identical/);
  });

  it('replays an existing storage directory given with --root, and leaves it in place', async () => {
    const root = await mkdtemp(join(tmpdir(), 'layercache-bench-root-'));
    try {
      const inventory = await buildStorageTree(root, { repositories: 6, seed: 3 });
      const { stdout } = await node('demo.js', [
        '--json',
        '--adapter',
        'memory',
        '--root',
        root,
        '--requests',
        '200',
        '--latency-ms',
        '0',
      ]);
      const result = JSON.parse(stdout) as DemoResult;
      expect(result.storage).toMatchObject({
        root,
        generated: false,
        repositories: 6,
        links: inventory.links,
      });
      expect(result.answersIdentical).toBe(true);
      expect(existsSync(join(root, 'docker/registry/v2/repositories'))).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('exits with 2 and a clear message on a bad flag', async () => {
    const failure = await node('demo.js', ['--adapter', 'mongo']).catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--adapter must be one of memory, lru, sqlite, redis/);
    expect(failure.stderr).toMatch(/--help/);
  });

  it('prints usage with --help and exits 0', async () => {
    const { stdout } = await node('demo.js', ['--help']);
    expect(stdout).toMatch(/--latency-ms/);
  });
});

describe('bench', () => {
  it('exits with 2 and a clear message on a bad flag', async () => {
    const failure = await node('bench.js', ['--adapters', 'etcd']).catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--adapters must list some of memory, lru, sqlite, redis/);
  });
});

describe('bench --quick', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'layercache-bench-out-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('writes latest.json, latest.md and chart.svg with every subject measured', async () => {
    const { stdout } = await node('bench.js', [
      '--quick',
      '--adapters',
      'memory,lru',
      '--duration-ms',
      '20',
      '--keys',
      '200',
      '--memory-entries',
      '500',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/Map behind async/);
    const results = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as BenchResults;
    expect(results.settings.quick).toBe(true);
    expect(results.subjects.map((s) => s.label)).toEqual([
      'layercache memory',
      'Map behind async',
      'Keyv + Map',
      'layercache lru',
      'raw lru-cache',
    ]);
    for (const cell of results.cells) {
      expect(cell.error).toBeUndefined();
      expect(cell.operations).toBeGreaterThan(0);
      expect(cell.latencyUs.p99).toBeGreaterThanOrEqual(cell.latencyUs.p50);
    }
    expect(results.targets.map((t) => `${t.adapter} vs ${t.against}`)).toEqual([
      'memory vs Map behind async',
      'memory vs Keyv + Map',
      'lru vs raw lru-cache',
      'lru vs Keyv + Map',
    ]);
    expect(results.footprints.map((f) => f.subject)).toContain('layercache memory');
    expect(results.goReference.pairsPerSecond).toBe(16_600);

    const markdown = await readFile(join(out, 'latest.md'), 'utf8');
    expect(markdown).toMatch(/^## Performance/);
    expect(markdown).toMatch(/\| memory \| Map behind async \|/);
    const svg = await readFile(join(out, 'chart.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(/layercache memory/);
  });
});
