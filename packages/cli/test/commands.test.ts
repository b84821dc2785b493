import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest } from '@layercache/core/conformance';
import { findFreePort } from '@layercache/redis/testing';
import { createSqliteCache } from '@layercache/sqlite';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { layercache, layercacheJson } from './support/cli.js';

// The commands on a SQLite cache filled by hand, and a Redis nobody listens on.

const dir = mkdtempSync(join(tmpdir(), 'layercache-cli-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gone = digest('deleted-by-gc');
const kept = digest('still-there');
const GC_LOG = [
  'library/app-a',
  `library/app-a: marking blob ${kept}`,
  '1 blobs marked, 1 blobs and 0 manifests eligible for deletion',
  `blob eligible for deletion: ${gone}`,
  `time="2026-12-01T17:00:00Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/${gone.slice(7, 9)}/${gone.slice(7)}" go.version=go1.19`,
  '',
].join('\n');

let file: string;
let sequence = 0;

beforeEach(async () => {
  file = join(dir, `cache-${++sequence}.sqlite`);
  const cache = createSqliteCache({ filename: file });
  for (const repo of ['library/app-a', 'library/app-b', 'team/mirror']) {
    await cache.add(repo, gone);
    await cache.add(repo, kept);
  }
  await cache.setMeta(gone, { path: '/blobs/gone', length: 1000 });
  await cache.setMeta(kept, { path: '/blobs/kept', length: 24 });
  await cache.close();
});

async function countLeft() {
  return layercacheJson<{ memberships: number; metas: number }>(['stats', '--sqlite', file]);
}

describe('forget', () => {
  it('reads the log from a file, removes the meta and every membership of each listed blob', async () => {
    const log = join(dir, 'gc.log');
    writeFileSync(log, GC_LOG);
    const result = await layercache(['forget', '--from-gc-log', log, '--sqlite', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `${gone}: removed meta and 3 memberships\n1 deleted blob: removed 1 meta and 3 memberships\n`,
    );
    expect(await countLeft()).toMatchObject({ memberships: 3, metas: 1 });
  });

  it('--dry-run says what it would remove and removes nothing', async () => {
    const result = await layercacheJson<{ dryRun: boolean; blobs: unknown[] }>(
      ['forget', '--from-gc-log', '-', '--dry-run', '--sqlite', file],
      GC_LOG,
    );
    expect(result).toMatchObject({
      status: 0,
      dryRun: true,
      blobs: [{ digest: gone, meta: true, memberships: 3 }],
    });
    expect(await countLeft()).toMatchObject({ memberships: 6, metas: 2 });
  });

  it('a log without deletions removes nothing and says so on stderr', async () => {
    const result = await layercache(
      ['forget', '--from-gc-log', '-', '--sqlite', file],
      'nothing\n',
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('the log lists no deleted blob');
    expect(await countLeft()).toMatchObject({ memberships: 6, metas: 2 });
  });

  it('a log that cannot be read is a failure (exit 1) naming the file', async () => {
    const result = await layercache([
      'forget',
      '--from-gc-log',
      join(dir, 'missing.log'),
      '--sqlite',
      file,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot read the garbage-collection log');
    expect(result.stderr).toContain('ENOENT');
  });
});

describe('stats and clear', () => {
  it('stats prints memberships, repositories, metas and bytes', async () => {
    const result = await layercache(['stats', '--sqlite', file]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      'memberships   6\nrepositories  3\nmetas         2\nbytes         1024 (1.0 KiB)\n',
    );
  });

  it('clear empties the cache', async () => {
    const result = await layercache(['clear', '--sqlite', file]);
    expect(result.status).toBe(0);
    expect(await countLeft()).toMatchObject({ memberships: 0, metas: 0 });
  });
});

describe('a cache that cannot be reached', () => {
  it('exits 1 with the adapter message, the address and no password or stack', async () => {
    const port = await findFreePort();
    const result = await layercache(['stats', '--redis', `redis://cache:s3cret@127.0.0.1:${port}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 20_000);
});
