import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFoundError, type LayerInfoCache } from '@layercache/core';
import { createRedisCache } from '@layercache/redis';
import { type RedisServer, startRedisServer } from '@layercache/redis/testing';
import { createSqliteCache } from '@layercache/sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layercache, layercacheJson } from './support/cli.js';
import { type Pushed, pullThrough, pushImages } from './support/images.js';
import { type Registry, startRegistry } from './support/registry.js';

// The cron job of the README, with the real tools: skopeo pushes into Debian's docker-registry,
// the read-through service fills the caches, a manifest is deleted, `registry garbage-collect`
// deletes its blobs, and its output piped into `layercache forget` makes the caches true again.

let registry: Registry;
let pushed: Pushed;
let redis: RedisServer;
let dir: string;
let gcLog: string;

interface Backend {
  readonly name: string;
  readonly args: readonly string[];
  open(): LayerInfoCache;
}
const backends: Backend[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'layercache-cli-gc-'));
  registry = await startRegistry();
  pushed = pushImages(registry);
  redis = await startRedisServer();
  const sqliteFile = join(dir, 'cache.sqlite');
  backends.push(
    {
      name: 'sqlite',
      args: ['--sqlite', sqliteFile],
      open: () => createSqliteCache({ filename: sqliteFile }),
    },
    {
      name: 'redis',
      args: ['--redis', redis.url, '--prefix', 'registry-a:'],
      open: () => createRedisCache({ url: redis.url, keyPrefix: 'registry-a:' }),
    },
  );
  for (const backend of backends) {
    const cache = backend.open();
    await pullThrough(cache, registry.root, pushed.pulls);
    await cache.close();
  }
  registry.deleteManifest('library/app-b', 'v1');
  gcLog = registry.garbageCollect();
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await redis?.stop();
  pushed?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface VerifyReport {
  checked: { memberships: number; metas: number };
  stale: Array<{ kind: string; repo?: string; digest: string; reason: string }>;
}

describe.each([0, 1])('after a garbage collection (%s: sqlite, redis)', (index) => {
  const backend = () => backends[index]!;

  it('the garbage collector deleted exactly the blobs only image b held, and its manifest', () => {
    const deleted = [...gcLog.matchAll(/blob eligible for deletion: (\S+)/g)].map((m) => m[1]);
    expect(deleted.sort()).toEqual([pushed.b.config, pushed.b.layers[1], pushed.b.manifest].sort());
  });

  it('before forget, verify reports the deleted blobs as stale and exits 1', async () => {
    const report = await layercacheJson<VerifyReport>([
      'verify',
      '--root',
      registry.root,
      ...backend().args,
    ]);
    expect(report.status).toBe(1);
    const stale = report.stale.map((e) => `${e.kind} ${e.repo ?? ''} ${e.digest} ${e.reason}`);
    const gone = [pushed.b.config, pushed.b.layers[1]!];
    expect(stale.sort()).toEqual(
      [
        ...gone.map((d) => `membership library/app-b ${d} blob data missing`),
        ...gone.map((d) => `meta  ${d} blob data missing`),
      ].sort(),
    );
    expect(report.checked).toEqual({ memberships: 9, metas: 5 });
  });

  it('forget --from-gc-log - forgets what the log lists and prints it', async () => {
    const result = await layercache(['forget', '--from-gc-log', '-', ...backend().args], gcLog);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${pushed.b.layers[1]}: removed meta and 1 membership`);
    expect(result.stdout).toContain(`${pushed.b.config}: removed meta and 1 membership`);
    expect(result.stdout).toContain(`${pushed.b.manifest}: not cached`);
    expect(result.stdout).toContain('3 deleted blobs: removed 2 metas and 2 memberships');
  });

  it('then verify --root reports zero stale entries and exits 0', async () => {
    const report = await layercacheJson<VerifyReport>([
      'verify',
      '--root',
      registry.root,
      ...backend().args,
    ]);
    expect(report.status).toBe(0);
    expect(report.stale).toEqual([]);
    expect(report.checked).toEqual({ memberships: 7, metas: 3 });
  });

  it('the deleted blobs are answered absent and every other entry is still cached', async () => {
    const cache = backend().open();
    try {
      for (const digest of [pushed.b.config, pushed.b.layers[1]!]) {
        expect(await cache.contains('library/app-b', digest)).toBe(false);
        expect(await cache.meta(digest).catch((error) => isNotFoundError(error))).toBe(true);
      }
      let kept = 0;
      for (const [repo, digest] of pushed.pulls) {
        if (repo === 'library/app-b' && digest !== pushed.b.layers[0]) continue;
        expect(await cache.contains(repo, digest), `${repo} ${digest}`).toBe(true);
        kept += 1;
      }
      expect(kept).toBe(7);
      for (const digest of pushed.a.blobs) await expect(cache.meta(digest)).resolves.toBeDefined();
    } finally {
      await cache.close();
    }
  });

  it('stats counts what is left', async () => {
    const stats = await layercacheJson<Record<string, number>>(['stats', ...backend().args]);
    expect(stats).toMatchObject({ status: 0, memberships: 7, repositories: 3, metas: 3 });
  });
});
