import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, type LayerCacheError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteCache, SCHEMA_VERSION } from '../src/index.js';
import { digest, requireBuild, startWriter, tempDir, waitFor } from './support.js';

const tmp = tempDir('borrowed-schema');
const children: ChildProcess[] = [];
beforeAll(requireBuild);
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  tmp.remove();
});

type Db = InstanceType<typeof BetterSqlite3>;

// An application's database as it would lend it: its own table, and its own migrations
// recorded in user_version.
function applicationDatabase(name: string, userVersion: number): string {
  const filename = tmp.file(name);
  const db = new BetterSqlite3(filename);
  db.exec(`CREATE TABLE app_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
           INSERT INTO app_users (name) VALUES ('ada'), ('grace');`);
  db.pragma(`user_version = ${userVersion}`);
  db.close();
  return filename;
}

// What the application's own part of the file looks like: its version, its schema, its rows.
function applicationState(db: Db): unknown {
  return {
    userVersion: db.pragma('user_version', { simple: true }),
    schema: db.prepare("SELECT sql FROM sqlite_master WHERE name = 'app_users'").pluck().get(),
    rows: db.prepare('SELECT id, name FROM app_users ORDER BY id').all(),
  };
}

const recordedVersion = (db: Db) =>
  db.prepare('SELECT version FROM layercache_schema').pluck().all();

// The schema cookie: SQLite bumps it on every change to the schema, so an unchanged value proves
// an open ran no migration.
const schemaCookie = (db: Db) => db.pragma('schema_version', { simple: true });

// The cache's tables as a version 1 release created them (no expires_at), without any record of
// that version except their layout.
const VERSION_1_TABLES = `
  CREATE TABLE layercache_links (repo TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, digest)) WITHOUT ROWID;
  CREATE TABLE layercache_metas (digest TEXT NOT NULL PRIMARY KEY, path TEXT NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
`;

describe("a borrowed database's schema version", () => {
  it.each([0, 1, 7])(
    'at user_version %i keeps its user_version and its tables, and the cache survives reopen',
    async (userVersion) => {
      const filename = applicationDatabase(`app-v${userVersion}.sqlite`, userVersion);
      const before = new BetterSqlite3(filename, { readonly: true });
      const untouched = applicationState(before);
      before.close();

      const db = new BetterSqlite3(filename);
      try {
        const cache = createSqliteCache({ database: db });
        await cache.add('lent/repo', digest('a'));
        await cache.setMeta(digest('a'), { path: '/blobs/a', length: 7 });
        await cache.close();
        expect(applicationState(db)).toEqual(untouched);
        expect(recordedVersion(db)).toEqual([SCHEMA_VERSION]);
      } finally {
        db.close();
      }

      // A new connection (as after a restart): the tables are reused as they are.
      const again = new BetterSqlite3(filename);
      try {
        const cookie = schemaCookie(again);
        const cache = createSqliteCache({ database: again });
        expect(schemaCookie(again), 'the reopen changed the schema').toBe(cookie);
        expect(await cache.contains('lent/repo', digest('a'))).toBe(true);
        expect(await cache.meta(digest('a'))).toEqual({ path: '/blobs/a', length: 7 });
        await cache.add('lent/repo', digest('b'));
        await cache.close();
        expect(applicationState(again)).toEqual(untouched);
        expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        again.close();
      }
    },
  );

  it("leaves user_version to the application's own migrations after the cache moved in", async () => {
    const filename = applicationDatabase('app-migrates.sqlite', 0);
    const db = new BetterSqlite3(filename);
    try {
      const cache = createSqliteCache({ database: db });
      await cache.add('lent/repo', digest('m'));
      // The application's migration runner, which would skip its steps if user_version had moved.
      const applied: number[] = [];
      for (let version = db.pragma('user_version', { simple: true }) as number; version < 2; ) {
        version++;
        db.exec(`ALTER TABLE app_users ADD COLUMN step${version} TEXT`);
        db.pragma(`user_version = ${version}`);
        applied.push(version);
      }
      expect(applied).toEqual([1, 2]);
      expect(await cache.contains('lent/repo', digest('m'))).toBe(true);
      await cache.close();
    } finally {
      db.close();
    }
    const again = new BetterSqlite3(filename);
    try {
      await using cache = createSqliteCache({ database: again });
      expect(await cache.contains('lent/repo', digest('m'))).toBe(true);
      expect(again.pragma('user_version', { simple: true })).toBe(2);
    } finally {
      again.close();
    }
  });

  it('a file the cache created itself, lent later, is reused as it is', async () => {
    const filename = tmp.file('owned-then-lent.sqlite');
    const owned = createSqliteCache({ filename });
    await owned.add('own/repo', digest('o'));
    await owned.close();

    const db = new BetterSqlite3(filename);
    try {
      const cookie = schemaCookie(db);
      await using cache = createSqliteCache({ database: db });
      expect(await cache.contains('own/repo', digest('o'))).toBe(true);
      await cache.add('own/repo', digest('p'));
      expect(schemaCookie(db), 'lending it changed the schema').toBe(cookie);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('version 1 tables in a borrowed database are upgraded, recorded in layercache_schema, user_version untouched', async () => {
    const filename = applicationDatabase('app-with-v1-tables.sqlite', 5);
    const setup = new BetterSqlite3(filename);
    setup.exec(VERSION_1_TABLES);
    setup.prepare('INSERT INTO layercache_links VALUES (?, ?)').run('old/repo', digest('old'));
    const untouched = applicationState(setup);
    setup.close();

    const db = new BetterSqlite3(filename);
    try {
      await using cache = createSqliteCache({ database: db });
      expect(await cache.contains('old/repo', digest('old'))).toBe(true);
      const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
      expect(columns.all('layercache_links')).toEqual(['repo', 'digest', 'expires_at']);
      expect(recordedVersion(db)).toEqual([SCHEMA_VERSION]);
      expect(applicationState(db)).toEqual(untouched);
    } finally {
      db.close();
    }
  });

  it('a shared database later opened by filename still keeps its version in layercache_schema', async () => {
    const filename = applicationDatabase('app-then-filename.sqlite', 7);
    const db = new BetterSqlite3(filename);
    try {
      const lent = createSqliteCache({ database: db });
      await lent.add('shared/repo', digest('s'));
      await lent.close();
    } finally {
      db.close();
    }

    // Without layercache_schema this would read the application's 7 as a newer cache schema.
    const cache = createSqliteCache({ filename });
    expect(await cache.contains('shared/repo', digest('s'))).toBe(true);
    await cache.close();
    const check = new BetterSqlite3(filename, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(7);
    expect(recordedVersion(check)).toEqual([SCHEMA_VERSION]);
    check.close();
  });

  it('a newer version in layercache_schema is refused, naming the table, and nothing is changed', () => {
    const filename = applicationDatabase('app-newer.sqlite', 3);
    const setup = new BetterSqlite3(filename);
    setup.exec(`${VERSION_1_TABLES}
      CREATE TABLE layercache_schema (version INTEGER NOT NULL);
      INSERT INTO layercache_schema VALUES (99);`);
    setup.close();
    const bytes = readFileSync(filename);

    const db = new BetterSqlite3(filename);
    try {
      let error: LayerCacheError | undefined;
      try {
        createSqliteCache({ database: db });
      } catch (caught) {
        error = caught as LayerCacheError;
      }
      expect(error?.code).toBe(ErrorCode.Unavailable);
      expect(error?.message).toContain(filename);
      expect(error?.message).toMatch(/schema version 99 \(table layercache_schema\).*upgrade/);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
    expect(readFileSync(filename).equals(bytes)).toBe(true);
  });

  it('three processes lending the same application database at once create the tables once and lose no write', {
    timeout: 60_000,
  }, async () => {
    const filename = applicationDatabase('app-shared-by-processes.sqlite', 4);
    const wal = new BetterSqlite3(filename);
    wal.pragma('journal_mode = WAL'); // the application's choice, kept in the file
    const untouched = applicationState(wal);
    wal.close();

    const writers = ['b1', 'b2', 'b3'].map((name) => startWriter(filename, name, 200, 16, true));
    children.push(...writers.map((writer) => writer.child));
    for (const writer of writers) {
      expect(await writer.exited, writer.stderr).toEqual({ code: 0, signal: null });
    }

    const db = new BetterSqlite3(filename);
    try {
      expect(applicationState(db)).toEqual(untouched);
      expect(recordedVersion(db)).toEqual([SCHEMA_VERSION]);
      await using cache = createSqliteCache({ database: db });
      for (const name of ['b1', 'b2', 'b3']) {
        for (const i of [0, 99, 199]) {
          expect(await cache.contains(`proc/${name}`, digest(`${name}-${i}`))).toBe(true);
        }
      }
      expect(db.prepare('SELECT count(*) FROM layercache_links').pluck().get()).toBe(600);
    } finally {
      db.close();
    }
  });

  it('an opener that finds another one creating the tables waits for it and does not create them again', {
    timeout: 30_000,
  }, async () => {
    // The statements a lent cache leaves in a database, taken from one it made.
    const template = tmp.file('template.sqlite');
    const made = new BetterSqlite3(template);
    createSqliteCache({ database: made }).close();
    const sql = made
      .prepare(
        "SELECT sql || ';' FROM sqlite_master WHERE name LIKE 'layercache_%' AND sql IS NOT NULL",
      )
      .pluck()
      .all()
      .join('\n');
    made.close();

    const filename = applicationDatabase('app-raced.sqlite', 0);
    const holder = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./fixtures/hold-lock.mjs', import.meta.url)),
        filename,
        `${sql} INSERT INTO layercache_schema (version) VALUES (${SCHEMA_VERSION});`,
        '300',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(holder);
    let out = '';
    let err = '';
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    holder.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    await waitFor(() => out.includes('locked') || holder.exitCode !== null, 15_000, 'the lock');
    expect(out, err).toContain('locked');

    // Sees no tables before the lock is free; must look again once it has the lock.
    const db = new BetterSqlite3(filename, { timeout: 10_000 });
    try {
      const started = Date.now();
      await using cache = createSqliteCache({ database: db });
      expect(Date.now() - started, 'did not wait for the lock').toBeGreaterThanOrEqual(150);
      await waitFor(() => out.includes('committed'), 15_000, 'the holder to commit');
      await cache.add('raced/repo', digest('r'));
      expect(await cache.contains('raced/repo', digest('r'))).toBe(true);
      expect(recordedVersion(db)).toEqual([SCHEMA_VERSION]);
      expect(applicationState(db)).toMatchObject({ userVersion: 0 });
    } finally {
      db.close();
    }
  });
});
