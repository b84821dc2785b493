import { readFileSync } from 'node:fs';
import { ErrorCode } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqliteCache, SCHEMA_VERSION } from '../src/index.js';
import { digest, requireBuild, startWriter, tempDir, type Writer } from './support.js';

const tmp = tempDir('migration');
const children: Writer[] = [];
beforeAll(requireBuild);
afterAll(() => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  tmp.remove();
});

// The layout of schema version 1, written here by hand as that release would have left it.
const VERSION_1 = `
  CREATE TABLE layercache_links (repo TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, digest)) WITHOUT ROWID;
  CREATE TABLE layercache_metas (digest TEXT NOT NULL PRIMARY KEY, path TEXT NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
  PRAGMA user_version = 1;
`;

describe('schema versions', () => {
  it('a version 1 file is upgraded on open and keeps its memberships and metas', async () => {
    const filename = tmp.file('v1.sqlite');
    const old = new BetterSqlite3(filename);
    old.exec(VERSION_1);
    old.prepare('INSERT INTO layercache_links VALUES (?, ?)').run('old/repo', digest('old'));
    old
      .prepare('INSERT INTO layercache_metas VALUES (?, ?, ?)')
      .run(digest('old'), '/blobs/old', 42);
    old.close();

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const cache = createSqliteCache({ filename, ttlMs: 1000 });
      expect(await cache.contains('old/repo', digest('old'))).toBe(true);
      expect(await cache.meta(digest('old'))).toEqual({ path: '/blobs/old', length: 42 });
      // Rows from before TTLs existed never expire; new ones do.
      await cache.add('old/repo', digest('new'));
      vi.setSystemTime(Date.now() + 2000);
      expect(await cache.contains('old/repo', digest('new'))).toBe(false);
      await cache.close();
    } finally {
      vi.useRealTimers();
    }

    const check = new BetterSqlite3(filename, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const columns = check.prepare('SELECT name FROM pragma_table_info(?)').pluck();
    expect(columns.all('layercache_links')).toEqual(['repo', 'digest', 'expires_at']);
    expect(columns.all('layercache_metas')).toEqual([
      'digest',
      'path_head',
      'length',
      'expires_at',
      'path_tail',
    ]);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('three processes opening a version 1 file at once upgrade it once, and all write to it', {
    timeout: 60_000,
  }, async () => {
    const filename = tmp.file('v1-shared.sqlite');
    const old = new BetterSqlite3(filename);
    old.exec(VERSION_1);
    old.prepare('INSERT INTO layercache_links VALUES (?, ?)').run('old/repo', digest('old'));
    old.close();

    const writers = ['m1', 'm2', 'm3'].map((name) => startWriter(filename, name, 200));
    children.push(...writers);
    for (const writer of writers) {
      expect(await writer.exited, writer.stderr).toEqual({ code: 0, signal: null });
    }
    await using cache = createSqliteCache({ filename });
    expect(await cache.contains('old/repo', digest('old'))).toBe(true);
    for (const name of ['m1', 'm2', 'm3']) {
      expect(await cache.contains(`proc/${name}`, digest(`${name}-199`))).toBe(true);
    }
  });

  it("an owned file holding only another application's tables is refused, and left as it was", () => {
    const filename = tmp.file('v0.sqlite');
    const other = new BetterSqlite3(filename);
    other.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
                CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id INTEGER);
                INSERT INTO users (name) VALUES ('kept');`);
    other.close();
    const before = readFileSync(filename);

    expect(() => createSqliteCache({ filename })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidArgument,
        argument: 'filename',
        message: expect.stringContaining(
          `${filename} is not a layercache file: it has tables users, sessions`,
        ),
      }),
    );
    expect(readFileSync(filename).equals(before), 'the refused file was written to').toBe(true);
  });

  it('an up-to-date file is opened without another migration', async () => {
    const filename = tmp.file('current.sqlite');
    const first = createSqliteCache({ filename });
    await first.add('keep/me', digest('k'));
    await first.close();
    const second = createSqliteCache({ filename });
    expect(await second.contains('keep/me', digest('k'))).toBe(true);
    await second.close();
  });
});
