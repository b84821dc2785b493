import { join } from 'node:path';
import type { LayerMeta } from '@layercache/core';
import {
  createSqliteCache,
  DEFAULT_CACHE_SIZE_BYTES,
  DEFAULT_MMAP_SIZE_BYTES,
} from '@layercache/sqlite';
import Database from 'better-sqlite3';
import { removeSqliteFiles, sqliteFileProbe } from './probes.js';
import type { AdapterModule } from './types.js';

/** `@layercache/sqlite` against raw better-sqlite3 prepared statements on the same kind of file. */
export const sqliteAdapter: AdapterModule = {
  name: 'sqlite',
  description: 'persistent file, multi-process safe (@layercache/sqlite on better-sqlite3)',
  async create(context, id) {
    const filename = join(context.tmpDir, `${id}.sqlite`);
    const cache = createSqliteCache({ filename });
    return {
      cache,
      footprint: sqliteFileProbe(filename),
      async close() {
        await cache.close();
        await removeSqliteFiles(filename);
      },
    };
  },
  baselineLabel: 'raw better-sqlite3',
  async createBaseline(context, id) {
    const filename = join(context.tmpDir, `${id}.sqlite`);
    const db = new Database(filename);
    // The same kind of file and durability as the adapter's default for the writes measured here:
    // WAL, and synchronous NORMAL, which is what `synchronous: "revocations"` gives fills (add,
    // setMeta; the bench measures no revocation). Different durability would measure fsync, not code.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The memory-mapped I/O and page cache the adapter gives the connections it opens, so the
    // ratio compares code, not tuning.
    db.pragma(`mmap_size = ${DEFAULT_MMAP_SIZE_BYTES}`);
    db.pragma(`cache_size = -${Math.ceil(DEFAULT_CACHE_SIZE_BYTES / 1024)}`);
    db.exec(`
      CREATE TABLE links (repo TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repo, digest)) WITHOUT ROWID;
      CREATE TABLE metas (digest TEXT PRIMARY KEY, path TEXT NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const containsStmt = db.prepare('SELECT 1 FROM links WHERE repo = ? AND digest = ?').pluck();
    const addStmt = db.prepare('INSERT OR IGNORE INTO links (repo, digest) VALUES (?, ?)');
    const metaStmt = db.prepare<[string], { path: string; length: number }>(
      'SELECT path, length FROM metas WHERE digest = ?',
    );
    const setMetaStmt = db.prepare(
      'INSERT INTO metas (digest, path, length) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET path = excluded.path, length = excluded.length',
    );
    return {
      label: 'raw better-sqlite3',
      role: 'baseline',
      async contains(repo, digest) {
        return containsStmt.get(repo, digest) !== undefined;
      },
      async add(repo, digest) {
        addStmt.run(repo, digest);
      },
      async meta(digest): Promise<LayerMeta | undefined> {
        const row = metaStmt.get(digest);
        return row === undefined ? undefined : { path: row.path, length: row.length };
      },
      async setMeta(digest, meta) {
        setMetaStmt.run(digest, meta.path, meta.length);
      },
      footprint: sqliteFileProbe(filename),
      async bulk(work) {
        db.exec('BEGIN');
        try {
          await work();
        } finally {
          db.exec('COMMIT');
        }
      },
      async close() {
        db.close();
        await removeSqliteFiles(filename);
      },
    };
  },
  peers: ['keyv-sqlite'],
};
