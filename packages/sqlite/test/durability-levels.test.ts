import { createLayerInfoCache } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/schema.js';
import { createSqliteStore } from '../src/store.js';
import { digest, tempDir } from './support.js';

// The default `synchronous: "revocations"` keeps a connection at NORMAL and raises it to FULL
// around the commit of anything that revokes. What SQLite was told is seen through the
// connection's statement trace (better-sqlite3's `verbose`), on a real WAL file.
const tmp = tempDir('durability');
afterAll(() => tmp.remove());

function openTraced(name: string, syncRevocations: boolean) {
  const statements: string[] = [];
  const filename = tmp.file(name);
  const db = new BetterSqlite3(filename, { verbose: (sql) => statements.push(String(sql)) });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db, filename, true);
  const store = createSqliteStore(db, {
    filename,
    ttlMs: undefined,
    sweepIntervalMs: 60_000,
    owned: true,
    syncRevocations,
  });
  const cache = createLayerInfoCache(store, { name: 'sqlite' });
  const level = () => db.pragma('synchronous', { simple: true });
  const raised = () => statements.filter((sql) => /synchronous\s*=\s*FULL/i.test(sql)).length;
  return { cache, level, raised, statements };
}

describe('synchronous: "revocations"', () => {
  it('commits fills without raising the connection to FULL', async () => {
    const { cache, raised, level } = openTraced('fills.sqlite', true);
    await cache.add('team/a', digest(1));
    await Promise.all([
      cache.add('team/a', digest(2)),
      cache.setMeta(digest(2), { path: '/p', length: 1 }),
    ]);
    expect(raised()).toBe(0);
    expect(level()).toBe(1); // NORMAL
    await cache.close();
  });

  it.each([
    ['remove', (c: ReturnType<typeof openTraced>['cache']) => c.remove('team/a', digest(1))],
    ['deleteMeta', (c: ReturnType<typeof openTraced>['cache']) => c.deleteMeta(digest(1))],
    ['clear', (c: ReturnType<typeof openTraced>['cache']) => c.clear()],
  ])('commits %s at FULL, then rests at NORMAL again', async (name, revoke) => {
    const { cache, raised, level, statements } = openTraced(`${name}.sqlite`, true);
    await cache.add('team/a', digest(1));
    await cache.setMeta(digest(1), { path: '/p', length: 1 });
    statements.length = 0;
    await revoke(cache);
    expect(raised()).toBe(1);
    const full = statements.findIndex((sql) => /synchronous\s*=\s*FULL/i.test(sql));
    const normal = statements.findIndex((sql) => /synchronous\s*=\s*NORMAL/i.test(sql));
    const change = statements.findIndex((sql) => /^\s*(DELETE|COMMIT)/i.test(sql));
    expect(full).toBeLessThan(change);
    expect(normal).toBeGreaterThan(change);
    expect(level()).toBe(1);
    await cache.close();
  });

  it('a batch mixing fills and a revocation commits it all at FULL, once', async () => {
    const { cache, raised } = openTraced('mixed.sqlite', true);
    await cache.add('team/a', digest(1));
    await Promise.all([
      cache.add('team/a', digest(2)),
      cache.remove('team/a', digest(1)),
      cache.setMeta(digest(2), { path: '/p', length: 1 }),
    ]);
    expect(raised()).toBe(1);
    expect(await cache.contains('team/a', digest(1))).toBe(false);
    await cache.close();
  });

  it('is off for a connection the cache does not control: nothing is raised', async () => {
    const { cache, raised } = openTraced('off.sqlite', false);
    await cache.add('team/a', digest(1));
    await cache.remove('team/a', digest(1));
    expect(raised()).toBe(0);
    await cache.close();
  });
});
