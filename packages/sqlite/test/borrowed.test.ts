import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, tempDir } from './support.js';

const tmp = tempDir('borrowed');
afterAll(() => tmp.remove());

describe('a borrowed database', () => {
  it('is never closed, and keeps its own journal mode', async () => {
    const db = new BetterSqlite3(tmp.file('app.sqlite'));
    try {
      const cache = createSqliteCache({ database: db });
      await cache.add('lent/db', digest('a'));
      expect(await cache.contains('lent/db', digest('a'))).toBe(true);
      await cache.close();
      expect(db.open).toBe(true);
      expect(db.inTransaction, 'the cache left a transaction open').toBe(false);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(
        db
          .prepare('SELECT r.name FROM layercache_links JOIN layercache_repos AS r ON r.id = repo')
          .pluck()
          .all(),
      ).toEqual(['lent/db']);
      await expect(cache.contains('lent/db', digest('a'))).rejects.toMatchObject({
        code: 'ERR_LAYERCACHE_CLOSED',
      });
    } finally {
      db.close();
    }
  });

  it("leaves the connection free for its owner's transactions between calls", async () => {
    const db = new BetterSqlite3(':memory:');
    try {
      await using cache = createSqliteCache({ database: db });
      expect(await cache.contains('lent/db', digest('b'))).toBe(false);
      // Still inside the tick of that read: the owner's own transaction must be able to start.
      db.exec('CREATE TABLE mine (x); BEGIN; INSERT INTO mine VALUES (1); COMMIT;');
      await cache.add('lent/db', digest('b'));
      expect(await cache.contains('lent/db', digest('b'))).toBe(true);
    } finally {
      db.close();
    }
  });

  it('a write while its owner holds a transaction open is refused, not acknowledged uncommitted', async () => {
    const db = new BetterSqlite3(':memory:');
    try {
      await using cache = createSqliteCache({ database: db });
      db.exec('BEGIN');
      const write = cache.add('lent/db', digest('d'));
      await expect(write).rejects.toMatchObject({ code: 'ERR_LAYERCACHE_UNAVAILABLE' });
      await expect(write).rejects.toThrow(/transaction its owner opened/);
      db.exec('ROLLBACK');
      expect(await cache.contains('lent/db', digest('d'))).toBe(false);
    } finally {
      db.close();
    }
  });

  it('a connection closed by its owner makes calls reject with UnavailableError, not a miss', async () => {
    const db = new BetterSqlite3(':memory:');
    const cache = createSqliteCache({ database: db });
    db.close();
    await expect(cache.contains('lent/db', digest('c'))).rejects.toMatchObject({
      code: 'ERR_LAYERCACHE_UNAVAILABLE',
    });
    await expect(cache.add('lent/db', digest('c'))).rejects.toMatchObject({
      code: 'ERR_LAYERCACHE_UNAVAILABLE',
    });
    await cache.close();
  });
});
