import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createSqliteCache, type SqliteCacheOptions } from '../src/index.js';
import { digest, tempDir } from './support.js';

// What `synchronous` commits at, on a real WAL file opened as a user opens it. SQLite commits a
// write at the connection's `synchronous` level when the writing statement runs (COMMIT, or the
// statement itself outside a transaction), so the level is read as each writing statement starts.
// Reading it there, rather than tracing which PRAGMA statements ran, is the point: SQLite applies
// `PRAGMA synchronous = …` when such a statement is compiled, and a prepared one that runs later
// changes nothing (which the trace could not see).
const tmp = tempDir('durability');
afterAll(() => tmp.remove());
afterEach(() => {
  vi.restoreAllMocks();
});

type Db = InstanceType<typeof BetterSqlite3>;
const FULL = 2;
const NORMAL = 1;
const WRITE = /^\s*(INSERT|UPDATE|DELETE|COMMIT)\b/i;

/**
 * Records, for every writing statement `db` runs, the word it starts with and the connection's
 * `synchronous` level as it runs.
 */
function recordLevels(db: Db): [string, number][] {
  const levels: [string, number][] = [];
  const statement = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<
    'run' | 'get' | 'all',
    (...args: unknown[]) => unknown
  >;
  for (const method of ['run', 'get', 'all'] as const) {
    const original = statement[method];
    vi.spyOn(statement, method).mockImplementation(function (
      this: { database: Db; source: string },
      ...args: unknown[]
    ) {
      if (this.database === db && WRITE.test(this.source)) {
        const word = WRITE.exec(this.source)![1]!.toUpperCase();
        levels.push([word, db.pragma('synchronous', { simple: true }) as number]);
      }
      return original.apply(this, args);
    });
  }
  return levels;
}

/** A cache on a file of its own, as `createSqliteCache({ filename })` opens it, and its connection. */
function openOwned(name: string, options: Omit<SqliteCacheOptions, 'filename' | 'database'> = {}) {
  const prepare = vi.spyOn(BetterSqlite3.prototype, 'prepare');
  const cache = createSqliteCache({ filename: tmp.file(name), ...options });
  // The connection it keeps (it checks a file on a read-only one first, and closes that).
  const db = (prepare.mock.contexts as Db[]).find((opened) => opened.open && !opened.readonly)!;
  prepare.mockRestore();
  return { cache, db, levels: recordLevels(db) };
}

const levelsOf = (levels: [string, number][]) => [...new Set(levels.map(([, level]) => level))];

async function fill(cache: ReturnType<typeof createSqliteCache>): Promise<void> {
  await cache.add('team/a', digest(1));
  await Promise.all([
    cache.add('team/a', digest(2)),
    cache.setMeta(digest(1), { path: '/p', length: 1 }),
  ]);
}

const revocations = [
  ['remove', (cache: ReturnType<typeof createSqliteCache>) => cache.remove('team/a', digest(1))],
  ['deleteMeta', (cache: ReturnType<typeof createSqliteCache>) => cache.deleteMeta(digest(1))],
  ['clear', (cache: ReturnType<typeof createSqliteCache>) => cache.clear()],
] as const;

describe('synchronous: "revocations" (the default)', () => {
  it('commits fills at NORMAL', async () => {
    const { cache, db, levels } = openOwned('fills.sqlite');
    await fill(cache);
    expect(levels.length).toBeGreaterThan(0);
    expect(levelsOf(levels)).toEqual([NORMAL]);
    expect(db.pragma('synchronous', { simple: true })).toBe(NORMAL);
    await cache.close();
  });

  it.each(revocations)(
    'commits %s at FULL, the first one after opening too, then rests at NORMAL',
    async (_name, revoke) => {
      const { cache, db, levels } = openOwned(`${_name}.sqlite`);
      await fill(cache);
      levels.length = 0;
      await revoke(cache);
      expect(levels.length).toBeGreaterThan(0);
      expect(levelsOf(levels)).toEqual([FULL]);
      expect(db.pragma('synchronous', { simple: true })).toBe(NORMAL);
      levels.length = 0;
      await cache.add('team/a', digest(3));
      expect(levelsOf(levels)).toEqual([NORMAL]);
      await cache.close();
    },
  );

  it('a batch mixing fills and a revocation commits it all at FULL', async () => {
    const { cache, levels } = openOwned('mixed.sqlite');
    await cache.add('team/a', digest(1));
    levels.length = 0;
    await Promise.all([
      cache.add('team/a', digest(2)),
      cache.remove('team/a', digest(1)),
      cache.setMeta(digest(2), { path: '/p', length: 1 }),
    ]);
    expect(levels.map(([word]) => word)).toContain('COMMIT');
    expect(levelsOf(levels)).toEqual([FULL]);
    expect(await cache.contains('team/a', digest(1))).toBe(false);
    await cache.close();
  });
});

describe('synchronous: "full" and "normal"', () => {
  it.each([
    ['full', 'FULL', FULL],
    ['normal', 'NORMAL', NORMAL],
  ] as const)(
    '"%s" commits every write at %s, revocations too',
    async (synchronous, _name, level) => {
      const { cache, levels } = openOwned(`${synchronous}.sqlite`, { synchronous });
      await fill(cache);
      for (const [, revoke] of revocations) await revoke(cache);
      expect(levelsOf(levels)).toEqual([level]);
      await cache.close();
    },
  );
});

describe('a borrowed database', () => {
  it.each([
    ['FULL', FULL],
    ['OFF', 0],
  ])('keeps the level its owner set (%s), for every write', async (setting, level) => {
    const db = new BetterSqlite3(tmp.file(`borrowed-${setting}.sqlite`));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${setting}`);
    try {
      const cache = createSqliteCache({ database: db });
      const levels = recordLevels(db);
      await fill(cache);
      for (const [, revoke] of revocations) await revoke(cache);
      expect(levelsOf(levels)).toEqual([level]);
      expect(db.pragma('synchronous', { simple: true })).toBe(level);
      await cache.close();
    } finally {
      db.close();
    }
  });
});
