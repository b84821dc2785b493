import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, requireBuild, startWriter, tempDir, type Writer, waitFor } from './support.js';

const tmp = tempDir('processes');
const children: Writer[] = [];
beforeAll(requireBuild);
afterAll(() => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  tmp.remove();
});

function start(filename: string, name: string, count: number, concurrency?: number): Writer {
  const writer = startWriter(filename, name, count, concurrency);
  children.push(writer);
  return writer;
}

describe('several processes on one file', () => {
  it('four processes writing 2500 entries each at once lose nothing and none fails', {
    timeout: 90_000,
  }, async () => {
    const filename = tmp.file('shared.sqlite');
    const names = ['a', 'b', 'c', 'd'];
    const writers = names.map((name) => start(filename, name, 2500));
    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const [i, exit] of exits.entries()) {
      expect(exit, `child ${names[i]} failed: ${writers[i]!.stderr}`).toEqual({
        code: 0,
        signal: null,
      });
      expect(writers[i]!.acked).toHaveLength(2500);
    }

    await using cache = createSqliteCache({ filename });
    for (const name of names) {
      for (let i = 0; i < 2500; i++) {
        const d = digest(`${name}-${i}`);
        if (!(await cache.contains(`proc/${name}`, d))) expect.fail(`proc/${name} lost entry ${i}`);
        expect(await cache.meta(d)).toEqual({ path: `/blobs/${name}/${i}`, length: i });
      }
    }
    // Membership stays per repository even with four writers interleaving.
    expect(await cache.contains('proc/a', digest('b-0'))).toBe(false);
  });
});

describe('a crash', () => {
  it('a writer killed with SIGKILL mid-loop leaves every acknowledged write readable', {
    timeout: 60_000,
  }, async () => {
    const filename = tmp.file('crash.sqlite');
    const writer = start(filename, 'crash', 0, 32);
    await waitFor(
      () => writer.acked.length >= 1000 || writer.child.exitCode !== null,
      45_000,
      () =>
        `1000 acknowledged writes (got ${writer.acked.length}; exit ${writer.child.exitCode}; ` +
        `stderr: ${writer.stderr.slice(0, 2000) || 'empty'})`,
    );
    writer.child.kill('SIGKILL');
    const exit = await writer.exited;
    expect(exit.signal, `the writer stopped on its own: ${writer.stderr}`).toBe('SIGKILL');
    const acked = [...writer.acked];
    expect(acked.length).toBeGreaterThanOrEqual(1000);

    // The file is intact, then every acknowledged write is found through a fresh cache.
    const raw = new BetterSqlite3(filename);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    await using cache = createSqliteCache({ filename });
    const missing: number[] = [];
    for (const i of acked) {
      if (!(await cache.contains('proc/crash', digest(`crash-${i}`)))) missing.push(i);
    }
    expect(missing, 'acknowledged writes lost in the crash').toEqual([]);
  });
});

describe('several caches in one process', () => {
  it('a write acknowledged by one cache is seen by another cache on the same file at once', async () => {
    const filename = tmp.file('two-caches.sqlite');
    await using a = createSqliteCache({ filename });
    await using b = createSqliteCache({ filename });
    for (let i = 0; i < 50; i++) {
      const d = digest(`two-${i}`);
      // b reads first, so its read snapshot of this tick predates a's commit.
      expect(await b.contains('two/caches', d)).toBe(false);
      await a.add('two/caches', d);
      expect(await b.contains('two/caches', d), `b missed write ${i}`).toBe(true);
      expect(await a.remove('two/caches', d)).toBe(true);
      expect(await b.contains('two/caches', d), `b still sees removed ${i}`).toBe(false);
    }
  });

  it('a read snapshot is dropped when another cache commits within the same tick', async () => {
    const filename = tmp.file('snapshot.sqlite');
    await using a = createSqliteCache({ filename });
    await using b = createSqliteCache({ filename });
    const ds = Array.from({ length: 512 }, (_, i) => digest(`snap-${i}`));
    // b's read opens its snapshot for this tick; a burst of 512 writes is committed at once,
    // before the tick ends, and its callers continue while b's snapshot would still be open.
    // The clock is frozen so that only the commit, not the snapshot's age limit, can end it.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await b.contains('snap/shot', ds[0]!)).toBe(false);
      await Promise.all(ds.map((d) => a.add('snap/shot', d)));
      expect(await b.contains('snap/shot', ds[0]!)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes from two caches in the same tick are all committed', async () => {
    const filename = tmp.file('same-tick.sqlite');
    await using a = createSqliteCache({ filename });
    await using b = createSqliteCache({ filename });
    const ds = Array.from({ length: 200 }, (_, i) => digest(`tick-${i}`));
    await Promise.all(ds.map((d, i) => (i % 2 === 0 ? a : b).add('same/tick', d)));
    for (const d of ds) {
      expect(await a.contains('same/tick', d)).toBe(true);
      expect(await b.contains('same/tick', d)).toBe(true);
    }
  });
});
