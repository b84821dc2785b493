import { readFileSync } from 'node:fs';
import { isNotFoundError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { encodeDigest } from '../src/digest-key.js';
import { createSqliteCache, SCHEMA_VERSION } from '../src/index.js';
import { checkSchema } from '../src/schema-check.js';
import {
  VERSION_3_ADD,
  VERSION_3_ADD_REPO,
  VERSION_3_BORROWED_RECORD,
  VERSION_3_META,
  VERSION_3_SET_META,
  VERSION_3_TABLES,
} from './fixtures/schema-v3.js';
import { digest, tempDir } from './support.js';

type Db = InstanceType<typeof BetterSqlite3>;

const tmp = tempDir('migration-v4');
afterAll(() => tmp.remove());

const NOW = Date.UTC(2026, 11, 1, 12);
const TTL_LEFT = 60_000;

const registryPath = (d: string) => {
  const hex = d.slice(d.indexOf(':') + 1);
  return `/docker/registry/v2/blobs/${d.slice(0, d.indexOf(':'))}/${hex.slice(0, 2)}/${hex}/data`;
};

// Metas as version 3 held them: the Go registry's layout for every algorithm, the hex twice, in
// upper case, not at all; one with a TTL left and one expired.
const METAS: [string, string, number, number | null][] = [
  ...['sha256', 'sha384', 'sha512', 'blake3'].map(
    (algorithm, i): [string, string, number, null] => {
      const d = digest(`v3-${algorithm}`, algorithm);
      return [d, registryPath(d), 2 ** 40 + i, null];
    },
  ),
  [digest('twice'), `/${digest('twice').slice(7)}/${digest('twice').slice(7)}`, 1, null],
  [digest('upper'), `/blobs/${digest('upper').slice(7).toUpperCase()}`, 2, null],
  [digest('plain'), '/blobs/läyer ✓', 0, null],
  [digest('ttl'), registryPath(digest('ttl')), 3, NOW + TTL_LEFT],
  [digest('expired'), registryPath(digest('expired')), 4, NOW - 1],
];
const LINKS: [string, string, number | null][] = [
  ['library/alpine', digest('v3-sha256'), null],
  ['library/alpine', digest('ttl'), NOW + TTL_LEFT],
  ['team/app', digest('plain'), null],
];
const PROBES = [...METAS.map(([d]) => d), digest('never-set')];

function fillVersion3(db: Db): void {
  db.exec(VERSION_3_TABLES);
  const setMeta = db.prepare(VERSION_3_SET_META);
  for (const [d, path, length, expiresAt] of METAS)
    setMeta.run(encodeDigest(d), path, length, expiresAt);
  for (const [repo, d, expiresAt] of LINKS) {
    db.prepare(VERSION_3_ADD_REPO).run(repo);
    db.prepare(VERSION_3_ADD).run(repo, encodeDigest(d), expiresAt);
  }
}

/** What version 3 answers for every probe at `now`, by that release's own statement. */
function version3Metas(db: Db, now: number): unknown[] {
  const meta = db.prepare(VERSION_3_META);
  return PROBES.map((d) => meta.get(encodeDigest(d), now));
}

interface Version3File {
  readonly filename: string;
  /** What version 3 answered for every probe at NOW, and once the TTL ran out. */
  readonly before: unknown[];
  readonly later: unknown[];
}

/** A version 3 file written by `write` (which fills it), with that release's answers. */
function version3File(name: string, write: (db: Db) => void): Version3File {
  const filename = tmp.file(name);
  const db = new BetterSqlite3(filename);
  write(db);
  const answers = {
    filename,
    before: version3Metas(db, NOW),
    later: version3Metas(db, NOW + TTL_LEFT),
  };
  db.close();
  return answers;
}

/** A file version 3 opened itself (the version in `user_version`). */
const ownedVersion3 = (name: string) =>
  version3File(name, (db) => {
    fillVersion3(db);
    db.pragma('user_version = 3');
  });

/**
 * A database an application lent version 3 (the version in `layercache_schema`); `app` first
 * writes the application's own state.
 */
const lentVersion3 = (name: string, app: (db: Db) => void) =>
  version3File(name, (db) => {
    app(db);
    fillVersion3(db);
    db.exec(VERSION_3_BORROWED_RECORD);
  });

/** {@link ownedVersion3}, already upgraded by a cache that opened and closed it. */
async function upgradedVersion3(name: string): Promise<Version3File> {
  const v3 = ownedVersion3(name);
  await createSqliteCache({ filename: v3.filename }).close();
  return v3;
}

async function cacheMetas(cache: ReturnType<typeof createSqliteCache>): Promise<unknown[]> {
  const metas: unknown[] = [];
  for (const d of PROBES) {
    metas.push(
      await cache.meta(d).catch((error: unknown) => {
        if (isNotFoundError(error)) return undefined;
        throw error;
      }),
    );
  }
  return metas;
}

// Every meta and membership of the v3 file answers as before, at NOW and once the TTL has run out.
async function expectSameAnswers(
  open: () => ReturnType<typeof createSqliteCache>,
  { before, later }: { before: unknown[]; later: unknown[] },
): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(NOW);
    const cache = open();
    expect(await cacheMetas(cache)).toEqual(before);
    for (const [repo, d] of LINKS) expect(await cache.contains(repo, d)).toBe(true);
    vi.setSystemTime(NOW + TTL_LEFT);
    expect(await cacheMetas(cache)).toEqual(later);
    expect(await cache.contains(LINKS[1]![0], LINKS[1]![1])).toBe(false);
    await cache.close();
  } finally {
    vi.useRealTimers();
  }
}

/**
 * Upgrades the file from a connection of its own, at once or not at all (`false`): it must not
 * wait for a lock, because it runs inside a statement of the opener it races. Its cache is closed
 * by `settle`, once the opener is done.
 */
function upgradeFromAnotherConnection(filename: string, settle: (() => Promise<void>)[]): boolean {
  const other = new BetterSqlite3(filename, { timeout: 0 });
  try {
    const cache = createSqliteCache({ database: other });
    settle.push(() => cache.close().finally(() => other.close()));
    return true;
  } catch {
    other.close();
    return false;
  }
}

const storedBytes = (db: Db, d: string) =>
  db
    .prepare(
      `SELECT length(CAST(path_head AS BLOB)) + coalesce(length(CAST(path_tail AS BLOB)), 0)
       FROM layercache_metas WHERE digest = ?`,
    )
    .pluck()
    .get(encodeDigest(d));

describe('upgrading a version 3 file to paths stored without the digest', () => {
  it('an owned file answers every meta, membership and TTL as before, and records the current version', async () => {
    const v3 = ownedVersion3('owned.sqlite');
    expect(v3.before.filter(Boolean)).toHaveLength(METAS.length - 1);
    await expectSameAnswers(() => createSqliteCache({ filename: v3.filename }), v3);
    const check = new BetterSqlite3(v3.filename, { readonly: true });
    try {
      expect(SCHEMA_VERSION).toBe(4);
      expect(check.pragma('user_version', { simple: true })).toBe(4);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }
  });

  it("the upgrade stores a path in the Go registry's layout without the digest's hex", async () => {
    const v3 = await upgradedVersion3('packed.sqlite');
    const check = new BetterSqlite3(v3.filename, { readonly: true });
    try {
      const sha256 = digest('v3-sha256');
      expect(storedBytes(check, sha256)).toBe(registryPath(sha256).length - 64);
      expect(storedBytes(check, digest('plain'))).toBe(Buffer.byteLength('/blobs/läyer ✓'));
      // Cut around the hex: every row whose path held it, in the Go registry's layout or twice.
      const cut = check
        .prepare('SELECT count(*) FROM layercache_metas WHERE path_tail IS NOT NULL')
        .pluck()
        .get();
      expect(cut).toBe(METAS.length - 2);
    } finally {
      check.close();
    }
  });

  it("the README's query reads every path back by hand", async () => {
    const v3 = await upgradedVersion3('by-hand.sqlite');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const query = /```sql\n(\s*SELECT path_head[^`]*)```/.exec(readme)?.[1];
    expect(query).toBeDefined();
    const check = new BetterSqlite3(v3.filename, { readonly: true });
    try {
      const paths = check.prepare(query!).pluck().all();
      expect(paths.sort()).toEqual(METAS.map(([, path]) => path).sort());
    } finally {
      check.close();
    }
  });

  it('an upgraded file passes the schema check when opened again, with no further migration', async () => {
    const v3 = await upgradedVersion3('reopened.sqlite');
    const raw = new BetterSqlite3(v3.filename);
    const cookie = raw.pragma('schema_version', { simple: true });
    raw.close();
    await expectSameAnswers(() => createSqliteCache({ filename: v3.filename }), v3);
    const after = new BetterSqlite3(v3.filename, { readonly: true });
    expect(after.pragma('schema_version', { simple: true })).toBe(cookie);
    after.close();
  });

  it("a borrowed database keeps the application's tables and user_version, and records the current version in layercache_schema", async () => {
    const v3 = lentVersion3('borrowed.sqlite', (app) => {
      app.exec(`CREATE TABLE app_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                INSERT INTO app_users (name) VALUES ('ada');`);
      app.pragma('user_version = 17');
    });
    const db = new BetterSqlite3(v3.filename);
    try {
      await expectSameAnswers(() => createSqliteCache({ database: db }), v3);
      expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([4]);
      expect(db.pragma('user_version', { simple: true })).toBe(17);
      expect(db.prepare('SELECT name FROM app_users').pluck().all()).toEqual(['ada']);
    } finally {
      db.close();
    }
  });

  it('a database another connection upgrades while it is being opened opens and answers as before, wherever in the opening checks the upgrade lands', async () => {
    // The opening checks read the version, then the tables; an upgrade committed between the
    // two must not make them see an old version and new tables (and refuse a good file). The
    // upgrade is run before each statement the opening prepares in turn, until it prepares fewer.
    let inSnapshot = 0;
    for (let at = 1; ; at += 1) {
      // WAL, as an application's database usually is: one connection may write while another reads.
      const v3 = lentVersion3(`race-${at}.sqlite`, (app) => app.pragma('journal_mode = WAL'));
      const { filename } = v3;
      const db = new BetterSqlite3(filename);
      const settle: (() => Promise<void>)[] = [];
      const prepare = db.prepare.bind(db);
      let prepared = 0;
      db.prepare = ((source: string) => {
        prepared += 1;
        if (prepared === at && upgradeFromAnotherConnection(filename, settle) && db.inTransaction) {
          inSnapshot += 1;
        }
        return prepare(source);
      }) as typeof db.prepare;
      try {
        const cache = createSqliteCache({ database: db });
        db.prepare = prepare;
        await expectSameAnswers(() => cache, v3);
        expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([4]);
      } finally {
        for (const close of settle) await close();
        db.close();
      }
      if (prepared < at) break;
    }
    // Some upgrades landed inside the opening checks' read transaction, where the window was.
    expect(inSnapshot).toBeGreaterThan(0);
  });

  it('an owned version 3 file lent later is told version 3 by its layout, and upgraded', async () => {
    const v3 = ownedVersion3('v3-lent-later.sqlite');
    const db = new BetterSqlite3(v3.filename);
    try {
      await expectSameAnswers(() => createSqliteCache({ database: db }), v3);
      expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([4]);
      expect(db.pragma('user_version', { simple: true })).toBe(3);
    } finally {
      db.close();
    }
  });

  it('an owned version 4 file lent later is told version 4 by its layout, and not upgraded again', async () => {
    const v3 = await upgradedVersion3('lent-later.sqlite');
    const db = new BetterSqlite3(v3.filename);
    try {
      const before = db.prepare('SELECT * FROM layercache_metas ORDER BY digest').all();
      await expectSameAnswers(() => createSqliteCache({ database: db }), v3);
      expect(db.prepare('SELECT * FROM layercache_metas ORDER BY digest').all()).toEqual(before);
      // Not written to at all: no version recorded for a database already at the current one.
      expect(
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'layercache_schema'").all(),
      ).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a version 4 file fails the version 3 schema check, so a release before this one never reads half a path as a path', async () => {
    const v3 = await upgradedVersion3('downgrade.sqlite');
    const db = new BetterSqlite3(v3.filename, { readonly: true });
    try {
      expect(() => checkSchema(db, 3, { filename: v3.filename, owned: false })).toThrow(
        /table layercache_metas, which differs from the one this release creates/,
      );
      // And that release's own lookup could not even be prepared.
      expect(() => db.prepare(VERSION_3_META)).toThrow(/no such column: path/);
      expect(() => checkSchema(db, 4, { filename: v3.filename, owned: false })).not.toThrow();
    } finally {
      db.close();
    }
  });
});
