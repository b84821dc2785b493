import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, requireBuild, tempDir, waitFor } from './support.js';

const tmp = tempDir('batching');
beforeAll(requireBuild);
afterAll(() => tmp.remove());

describe('writes of one tick', () => {
  it('are committed in one transaction and each caller gets its own answer', async () => {
    await using cache = createSqliteCache({ filename: tmp.file('batch.sqlite') });
    await cache.add('batch/a', digest(1));
    const [added, removedPresent, removedAbsent, deletedAbsent] = await Promise.all([
      cache.add('batch/a', digest(2)),
      cache.remove('batch/a', digest(1)),
      cache.remove('batch/a', digest(3)),
      cache.deleteMeta(digest(3)),
    ]);
    expect([added, removedPresent, removedAbsent, deletedAbsent]).toEqual([
      undefined,
      true,
      false,
      false,
    ]);
  });

  it('a write aborted before its tick ended writes nothing', async () => {
    await using cache = createSqliteCache({ filename: tmp.file('abort.sqlite') });
    const controller = new AbortController();
    const aborted = cache.add('abort/ed', digest('x'), { signal: controller.signal });
    const kept = cache.add('abort/ed', digest('y'));
    controller.abort(new Error('changed my mind'));
    await expect(aborted).rejects.toThrow('changed my mind');
    await kept;
    expect(await cache.contains('abort/ed', digest('x'))).toBe(false);
    expect(await cache.contains('abort/ed', digest('y'))).toBe(true);
  });

  it('writes queued when close() is called are committed before the file is closed', async () => {
    const filename = tmp.file('close.sqlite');
    const cache = createSqliteCache({ filename });
    const pending = cache.add('close/d', digest('late'));
    await cache.close();
    await pending;
    const reopened = createSqliteCache({ filename });
    expect(await reopened.contains('close/d', digest('late'))).toBe(true);
    await reopened.close();
  });
});

describe('expired rows', () => {
  it('are deleted from the file by the background sweep', async () => {
    const filename = tmp.file('sweep.sqlite');
    await using cache = createSqliteCache({ filename, ttlMs: 50, sweepIntervalMs: 20 });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => cache.add('sweep/me', digest(i))));
    await cache.setMeta(digest(0), { path: '/p', length: 1 });
    const raw = new BetterSqlite3(filename, { readonly: true });
    try {
      const rows = raw
        .prepare(
          'SELECT (SELECT count(*) FROM layercache_links) + (SELECT count(*) FROM layercache_metas)',
        )
        .pluck();
      expect(rows.get()).toBe(1201);
      // 1200 rows take three sweep batches of 500.
      await waitFor(() => rows.get() === 0, 10_000, 'the sweep to delete every expired row');
    } finally {
      raw.close();
    }
    expect(await cache.contains('sweep/me', digest(0))).toBe(false);
  });

  it('are deleted while the caller never yields to the event loop (no timer can run)', async () => {
    const filename = tmp.file('starved.sqlite');
    await using cache = createSqliteCache({ filename, ttlMs: 50, sweepIntervalMs: 20 });
    // Every await below is answered from the end-of-tick commit, never from a macrotask: this
    // loop starves the sweep's timer for its whole second, as a bulk import would.
    let added = 0;
    const until = performance.now() + 1000;
    const lane = async (id: number) => {
      while (performance.now() < until) await cache.add('starved/me', digest(`${id}-${added++}`));
    };
    await Promise.all(Array.from({ length: 16 }, (_, id) => lane(id)));
    const raw = new BetterSqlite3(filename, { readonly: true });
    try {
      const rows = raw.prepare('SELECT count(*) FROM layercache_links').pluck().get() as number;
      // Without the sweep every row added would still be there. With it, what is left is the
      // last ~200 ms of adds (TTL, lateness, interval) and at most one batch of the backlog.
      expect(added).toBeGreaterThan(2000);
      expect(rows).toBeLessThan(added / 2);
    } finally {
      raw.close();
    }
  });

  it('the sweep timer does not keep a process alive', { timeout: 20_000 }, async () => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/idle.mjs', import.meta.url)), tmp.file('idle.sqlite')],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    try {
      await waitFor(() => child.exitCode !== null, 15_000, 'the idle process to exit');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(out).toBe('written\n');
    expect(child.exitCode).toBe(0);
  });
});
