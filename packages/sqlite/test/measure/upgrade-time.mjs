// How long opening a version 2 file takes the first time (the upgrade to the compact layout).
//
//   node test/measure/upgrade-time.mjs [memberships=1000000] [repos=10000] [metas=1000000]
//
// Writes a version 2 file directly with that release's migrations (MIGRATIONS[0] and [1], which
// are never edited), then times `createSqliteCache` on it and prints the file size before and
// after, and after VACUUM (the upgrade frees the old tables' pages for reuse; only VACUUM gives
// them back to the file system).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteCache } from '../../dist/index.js';
import { MIGRATIONS } from '../../dist/schema.js';

const [memberships = 1_000_000, repos = 10_000, metas = 1_000_000] = process.argv
  .slice(2, 5)
  .map(Number);
const digest = (i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
const repo = (i) => `team-${String(i % 97).padStart(4, '0')}/service-${String(i).padStart(5, '0')}`;

const dir = mkdtempSync(join(tmpdir(), 'layercache-upgrade-'));
try {
  const filename = join(dir, 'v2.sqlite');
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  // Migrations 0 → 2 are frozen: they are exactly what the version 2 release ran.
  db.exec(MIGRATIONS[0]);
  db.exec(MIGRATIONS[1]);
  const link = db.prepare('INSERT OR IGNORE INTO layercache_links VALUES (?, ?, NULL)');
  const meta = db.prepare('INSERT INTO layercache_metas VALUES (?, ?, ?, NULL)');
  db.transaction(() => {
    for (let i = 0; i < memberships; i++) link.run(repo(i % repos), digest(i));
    for (let i = 0; i < metas; i++)
      meta.run(digest(i), `/srv/registry/blobs/${digest(i).slice(7, 50)}`, i);
  })();
  db.pragma('user_version = 2');
  db.close();
  const before = statSync(filename).size;

  const started = Date.now();
  const cache = createSqliteCache({ filename });
  const openMs = Date.now() - started;
  if (!(await cache.contains(repo(0), digest(0)))) throw new Error('lost a membership');
  await cache.close();
  const after = statSync(filename).size;
  const vacuum = new Database(filename);
  vacuum.exec('VACUUM');
  vacuum.close();
  console.log(
    `${memberships} memberships + ${metas} metas: upgraded in ${openMs} ms; ` +
      `file ${before} → ${after} bytes, ${statSync(filename).size} after VACUUM`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
