import { isNotFoundError } from '@layercache/core';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqliteCache, SCHEMA_VERSION } from '../src/index.js';
import {
  VERSION_2_BORROWED_RECORD,
  VERSION_2_CONTAINS,
  VERSION_2_META,
  VERSION_2_TABLES,
} from './fixtures/schema-v2.js';
import { digest, requireBuild, startWriter, tempDir, type Writer } from './support.js';

type Db = InstanceType<typeof BetterSqlite3>;

const tmp = tempDir('migration-v3');
const children: Writer[] = [];
beforeAll(requireBuild);
afterAll(() => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  tmp.remove();
});

// The clock of every answer compared below.
const NOW = Date.UTC(2026, 11, 1, 12);
const TTL_LEFT = 60_000;

const REPOS = ['library/alpine', 'team-0042/service-01234', 'a/b', 'x'.repeat(255)];
const DIGESTS = ['sha256', 'sha384', 'sha512', 'blake3'].flatMap((algorithm) =>
  [0, 1, 2].map((i) => digest(`v2-${i}`, algorithm)),
);
const TTL_LINK = ['library/alpine', digest('ttl')] as const;
const EXPIRED_LINK = ['library/alpine', digest('expired')] as const;
// An upper-case digest core never lets through: unreachable in version 2, and must stay so.
const UNREACHABLE = ['a/b', `sha256:${'AB'.repeat(32)}`] as const;

/** Fills version 2 tables as that release would have: memberships, metas, a TTL, an expired row. */
function fillVersion2(db: Db): void {
  const link = db.prepare('INSERT INTO layercache_links VALUES (?, ?, ?)');
  const meta = db.prepare('INSERT INTO layercache_metas VALUES (?, ?, ?, ?)');
  REPOS.forEach((repo, r) => {
    DIGESTS.forEach((d, i) => {
      if ((r + i) % 3 !== 0) link.run(repo, d, null);
    });
  });
  link.run(...TTL_LINK, NOW + TTL_LEFT);
  link.run(...EXPIRED_LINK, NOW - 1);
  link.run(...UNREACHABLE, null);
  DIGESTS.forEach((d, i) => {
    if (i % 2 === 0) meta.run(d, `/blobs/${i}/läyer ✓`, 2 ** 40 + i, null);
  });
  meta.run(digest('ttl'), '/blobs/ttl', 1, NOW + TTL_LEFT);
  meta.run(digest('expired'), '/blobs/expired', 2, NOW - 1);
  meta.run(`sha256:${'AB'.repeat(32)}`, '/blobs/unreachable', 3, null);
}

const ALL_DIGESTS = [...DIGESTS, digest('ttl'), digest('expired'), digest('never-added')];
const PROBES = [...REPOS, 'never/added'].flatMap((repo) => ALL_DIGESTS.map((d) => [repo, d]));

interface Answers {
  readonly contains: boolean[];
  readonly metas: unknown[];
}

/** What version 2 answers at `now`, by that release's own statements. */
function version2Answers(db: Db, now: number): Answers {
  const contains = db.prepare(VERSION_2_CONTAINS).pluck();
  const meta = db.prepare(VERSION_2_META);
  return {
    contains: PROBES.map(([repo, d]) => contains.get(repo, d, now) !== undefined),
    metas: ALL_DIGESTS.map((d) => meta.get(d, now)),
  };
}

async function cacheAnswers(cache: ReturnType<typeof createSqliteCache>): Promise<Answers> {
  const contains: boolean[] = [];
  for (const [repo, d] of PROBES) contains.push(await cache.contains(repo!, d!));
  const metas: unknown[] = [];
  for (const d of ALL_DIGESTS) {
    metas.push(
      await cache.meta(d).catch((error: unknown) => {
        if (isNotFoundError(error)) return undefined;
        throw error;
      }),
    );
  }
  return { contains, metas };
}

function ownedVersion2(name: string): { filename: string; before: Answers; later: Answers } {
  const filename = tmp.file(name);
  const db = new BetterSqlite3(filename);
  db.exec(VERSION_2_TABLES);
  fillVersion2(db);
  db.pragma('user_version = 2');
  const answers = {
    filename,
    before: version2Answers(db, NOW),
    later: version2Answers(db, NOW + TTL_LEFT),
  };
  db.close();
  return answers;
}

// Every entry of the v2 file answers as before, at NOW and once the TTL'd entries have expired.
async function expectSameAnswers(
  open: () => ReturnType<typeof createSqliteCache>,
  { before, later }: { before: Answers; later: Answers },
): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(NOW);
    const cache = open();
    expect(await cacheAnswers(cache)).toEqual(before);
    expect(await cache.contains(...TTL_LINK)).toBe(true);
    expect(await cache.contains(...EXPIRED_LINK)).toBe(false);
    vi.setSystemTime(NOW + TTL_LEFT);
    expect(await cacheAnswers(cache)).toEqual(later);
    expect(await cache.contains(...TTL_LINK)).toBe(false);
    await cache.close();
  } finally {
    vi.useRealTimers();
  }
}

const objects = (db: Db) =>
  db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();

describe('upgrading a version 2 file to the compact layout', () => {
  it('an owned file answers every membership, meta and TTL as before, and records the current version', async () => {
    const v2 = ownedVersion2('owned.sqlite');
    expect(v2.before.contains.filter(Boolean).length).toBeGreaterThan(20);
    await expectSameAnswers(() => createSqliteCache({ filename: v2.filename }), v2);

    const check = new BetterSqlite3(v2.filename, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      const tables = check
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'layercache_links',
        'layercache_metas',
        'layercache_repos',
        'sqlite_sequence',
      ]);
      expect(
        check.prepare('SELECT typeof(digest) FROM layercache_links LIMIT 1').pluck().get(),
      ).toBe('blob');
    } finally {
      check.close();
    }
  });

  it('an upgraded file passes the schema check when opened again, with no further migration', async () => {
    const v2 = ownedVersion2('reopened.sqlite');
    await createSqliteCache({ filename: v2.filename }).close();
    const raw = new BetterSqlite3(v2.filename);
    const cookie = raw.pragma('schema_version', { simple: true });
    raw.close();
    await expectSameAnswers(() => createSqliteCache({ filename: v2.filename }), v2);
    const after = new BetterSqlite3(v2.filename, { readonly: true });
    expect(after.pragma('schema_version', { simple: true })).toBe(cookie);
    after.close();
  });

  it('an upper-case digest row, unreachable in version 2, is not made reachable', async () => {
    const v2 = ownedVersion2('unreachable.sqlite');
    await using cache = createSqliteCache({ filename: v2.filename });
    const lower = `sha256:${'ab'.repeat(32)}`;
    expect(await cache.contains(UNREACHABLE[0], lower)).toBe(false);
    await expect(cache.meta(lower)).rejects.toSatisfy(isNotFoundError);
  });

  it("a borrowed database keeps the application's tables and user_version, and records the current version in layercache_schema", async () => {
    const filename = tmp.file('borrowed.sqlite');
    const setup = new BetterSqlite3(filename);
    setup.exec(`CREATE TABLE app_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                INSERT INTO app_users (name) VALUES ('ada'), ('grace');`);
    setup.pragma('user_version = 17');
    setup.exec(VERSION_2_TABLES);
    fillVersion2(setup);
    setup.exec(VERSION_2_BORROWED_RECORD);
    const v2 = {
      before: version2Answers(setup, NOW),
      later: version2Answers(setup, NOW + TTL_LEFT),
    };
    setup.close();

    const db = new BetterSqlite3(filename);
    try {
      await expectSameAnswers(() => createSqliteCache({ database: db }), v2);
      expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([
        SCHEMA_VERSION,
      ]);
      expect(db.pragma('user_version', { simple: true })).toBe(17);
      expect(db.prepare('SELECT name FROM app_users ORDER BY id').pluck().all()).toEqual([
        'ada',
        'grace',
      ]);
      // Lent again after a restart: the upgraded tables pass the check as they are.
      await expectSameAnswers(() => createSqliteCache({ database: db }), v2);
    } finally {
      db.close();
    }
  });

  it('an upgrade that fails half-way leaves the database as it was, and succeeds once it can', async () => {
    const filename = tmp.file('full.sqlite');
    const setup = new BetterSqlite3(filename);
    setup.exec(VERSION_2_TABLES);
    fillVersion2(setup);
    setup.exec(VERSION_2_BORROWED_RECORD);
    const v2 = {
      before: version2Answers(setup, NOW),
      later: version2Answers(setup, NOW + TTL_LEFT),
    };
    setup.close();

    const db = new BetterSqlite3(filename);
    try {
      const schema = objects(db);
      const rows = db.prepare('SELECT * FROM layercache_links ORDER BY 1, 2').all();
      // No room for the new tables: the migration fails after it has begun changing things.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      expect(() => createSqliteCache({ database: db })).toThrow(/database or disk is full/);
      expect(db.inTransaction).toBe(false);
      expect(objects(db)).toEqual(schema);
      expect(db.prepare('SELECT * FROM layercache_links ORDER BY 1, 2').all()).toEqual(rows);
      expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([2]);

      db.pragma(`max_page_count = ${pages * 100}`);
      await expectSameAnswers(() => createSqliteCache({ database: db }), v2);
      expect(db.prepare('SELECT version FROM layercache_schema').pluck().all()).toEqual([
        SCHEMA_VERSION,
      ]);
    } finally {
      db.close();
    }
  });

  it('three processes opening a version 2 file at once upgrade it once, and all write to it', {
    timeout: 60_000,
  }, async () => {
    const v2 = ownedVersion2('shared.sqlite');
    const writers = ['p1', 'p2', 'p3'].map((name) => startWriter(v2.filename, name, 200));
    children.push(...writers);
    for (const writer of writers) {
      expect(await writer.exited, writer.stderr).toEqual({ code: 0, signal: null });
    }
    await expectSameAnswers(() => createSqliteCache({ filename: v2.filename }), v2);
    await using cache = createSqliteCache({ filename: v2.filename });
    for (const name of ['p1', 'p2', 'p3']) {
      expect(await cache.contains(`proc/${name}`, digest(`${name}-199`))).toBe(true);
    }
  });
});
