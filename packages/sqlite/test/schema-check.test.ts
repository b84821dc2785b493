import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCode, type LayerCacheError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteCache } from '../src/index.js';
import { digest, tempDir } from './support.js';

const require = createRequire(import.meta.url);
const tmp = tempDir('schema-check');
afterAll(() => tmp.remove());

function openError(options: Parameters<typeof createSqliteCache>[0]): LayerCacheError {
  try {
    createSqliteCache(options);
  } catch (error) {
    return error as LayerCacheError;
  }
  throw new Error('createSqliteCache did not throw');
}

// Puts a real membership in a new cache file, then runs `plant` on the file directly, as
// someone who could write to it would.
async function cacheFileWith(name: string, plant: string): Promise<string> {
  const filename = tmp.file(name);
  const cache = createSqliteCache({ filename });
  await cache.add('victim/repo', digest('revoked'));
  await cache.close();
  const raw = new BetterSqlite3(filename);
  raw.exec(plant);
  raw.close();
  return filename;
}

// Re-inserts every membership that is deleted: `remove()` then answers true, and the row stays.
const KEEP_LINKS = `CREATE TRIGGER keep_links AFTER DELETE ON layercache_links
  BEGIN INSERT INTO layercache_links (repo, digest, expires_at)
        VALUES (old.repo, old.digest, old.expires_at); END;`;

const prefix = (filename: string) =>
  `layercache sqlite: ${filename} does not hold the cache's tables as this release creates them: it has `;
const SUFFIX =
  '. A trigger, a view or a changed table could change what the cache answers, so it is not used. What to do: delete the file if it only holds this cache, or point filename at a new file.';

describe('the schema of a cache file', () => {
  let planted = 0;
  it('a planted AFTER DELETE trigger that undoes remove() is refused, naming it', async () => {
    const filename = await cacheFileWith('trigger.sqlite', KEEP_LINKS);
    // The attack is real: through the trigger, a deleted membership stays.
    const raw = new BetterSqlite3(filename);
    raw.exec('DELETE FROM layercache_links');
    expect(raw.prepare('SELECT count(*) FROM layercache_links').pluck().get()).toBe(1);
    raw.close();

    const error = openError({ filename });
    expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
    expect(error.message).toBe(
      `${prefix(filename)}trigger keep_links on layercache_links, which this release never creates${SUFFIX}`,
    );
  });

  it('a refused file is left byte for byte as it was (the journal mode is not switched first)', async () => {
    const filename = await cacheFileWith(
      'untouched.sqlite',
      `${KEEP_LINKS} PRAGMA journal_mode = DELETE;`,
    );
    const before = readFileSync(filename);
    // Bytes 18 and 19 of the header say rollback journal (1) or WAL (2).
    expect([before[18], before[19]]).toEqual([1, 1]);
    openError({ filename });
    expect(readFileSync(filename).equals(before)).toBe(true);
  });

  it('a refused file whose WAL a crashed process left behind keeps both, byte for byte (closing does not checkpoint it)', async () => {
    const filename = tmp.file('wal-left.sqlite');
    const cache = createSqliteCache({ filename });
    await cache.add('victim/repo', digest('revoked'));
    await cache.close();
    // Another process plants the trigger and dies without closing: the change is only in -wal.
    execFileSync(process.execPath, [
      '-e',
      `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
       const db = new Database(${JSON.stringify(filename)});
       db.pragma('wal_autocheckpoint = 0');
       db.exec(${JSON.stringify(KEEP_LINKS)});
       process.exit(0);`,
    ]);
    const before = { main: readFileSync(filename), wal: readFileSync(`${filename}-wal`) };
    expect(before.wal.length).toBeGreaterThan(0);
    expect(openError({ filename })).toMatchObject({ code: ErrorCode.InvalidArgument });
    expect(readFileSync(filename).equals(before.main)).toBe(true);
    expect(
      existsSync(`${filename}-wal`) && readFileSync(`${filename}-wal`).equals(before.wal),
    ).toBe(true);
  });

  it.each([
    [
      'a view over the cache tables',
      'CREATE VIEW all_links AS SELECT * FROM layercache_links;',
      'view all_links, which this release never creates',
    ],
    [
      'a trigger on an application table that writes memberships',
      `CREATE TABLE app (x); CREATE TRIGGER fill AFTER INSERT ON app
         BEGIN INSERT INTO layercache_links (repo, digest) VALUES ('a/b', new.x); END;`,
      'trigger fill on app, which this release never creates',
    ],
    [
      'an extra index on a cache table',
      'CREATE INDEX layercache_links_repo ON layercache_links (repo);',
      'index layercache_links_repo on layercache_links, which this release never creates',
    ],
    [
      'an extra cache-like table',
      'CREATE TABLE layercache_extra (x);',
      'table layercache_extra, which this release never creates',
    ],
    [
      'a missing index',
      'DROP INDEX layercache_metas_expiry;',
      'no index layercache_metas_expiry on layercache_metas',
    ],
    [
      'a table with a changed column (case-insensitive repository names)',
      `DROP TABLE layercache_repos;
       CREATE TABLE layercache_repos (id INTEGER PRIMARY KEY AUTOINCREMENT,
         name TEXT NOT NULL UNIQUE COLLATE NOCASE);`,
      'table layercache_repos, which differs from the one this release creates',
    ],
    [
      'a table with a changed column (text digests)',
      `DROP INDEX layercache_links_expiry; DROP TABLE layercache_links;
       CREATE TABLE layercache_links (repo INTEGER NOT NULL, digest TEXT NOT NULL,
         expires_at INTEGER, PRIMARY KEY (repo, digest)) WITHOUT ROWID;
       CREATE INDEX layercache_links_expiry ON layercache_links (expires_at)
         WHERE expires_at IS NOT NULL;`,
      'table layercache_links, which differs from the one this release creates',
    ],
    [
      'a trigger that gives a new repository the id of another',
      `CREATE TRIGGER steal AFTER INSERT ON layercache_repos
         BEGIN UPDATE layercache_repos SET id = 1 WHERE id = new.id; END;`,
      'trigger steal on layercache_repos, which this release never creates',
    ],
  ])('%s is refused, naming it', async (_, plant, found) => {
    const filename = await cacheFileWith(`planted-${planted++}.sqlite`, plant);
    const error = openError({ filename });
    expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'filename' });
    expect(error.message).toBe(`${prefix(filename)}${found}${SUFFIX}`);
  });
});

describe('the schema of a borrowed database', () => {
  it('a trigger on the cache tables is refused, naming it, while the application tables are fine', async () => {
    const db = new BetterSqlite3(tmp.file('lent-trigger.sqlite'));
    try {
      db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY);');
      createSqliteCache({ database: db }).close();
      db.exec(KEEP_LINKS);
      const error = openError({ database: db });
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'database' });
      expect(error.message).toContain(
        'it has trigger keep_links on layercache_links, which this release never creates',
      );
      expect(error.message).toMatch(
        /What to do: drop those objects, or lend the cache a database of its own\.$/,
      );
    } finally {
      db.close();
    }
  });

  it('a temporary table that would shadow a cache table is refused', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      db.exec('CREATE TEMP TABLE layercache_links (repo, digest, expires_at);');
      const error = openError({ database: db });
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument, argument: 'database' });
      expect(error.message).toContain('it has temporary table layercache_links. ');
    } finally {
      db.close();
    }
  });
});
