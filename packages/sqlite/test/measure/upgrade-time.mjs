// How long opening a file of an older release takes the first time (the upgrade to this one).
//
//   node test/measure/upgrade-time.mjs [memberships=1000000] [repos=10000] [metas=1000000] [from=2]
//
// Writes a version `from` file (2 or 3) directly with that release's migrations (MIGRATIONS[0] up
// to `from`, which are never edited) and metas with paths in the Go registry's layout, then times `createSqliteCache` on it and prints the file size before and
// after, and after VACUUM (the upgrade frees the old tables' pages for reuse; only VACUUM gives
// them back to the file system).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeDigest } from '../../dist/digest-key.js';
import { createSqliteCache } from '../../dist/index.js';
import { MIGRATIONS } from '../../dist/schema.js';

const [memberships = 1_000_000, repos = 10_000, metas = 1_000_000, from = 2] = process.argv
  .slice(2, 6)
  .map(Number);
const digest = (i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
const repo = (i) => `team-${String(i % 97).padStart(4, '0')}/service-${String(i).padStart(5, '0')}`;
const path = (i) => {
  const hex = digest(i).slice(7);
  return `/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
};

// Each release's own rows: version 2 keyed by text, version 3 by binary keys and repository ids.
const FILL = {
  2(db) {
    const link = db.prepare('INSERT OR IGNORE INTO layercache_links VALUES (?, ?, NULL)');
    const meta = db.prepare('INSERT INTO layercache_metas VALUES (?, ?, ?, NULL)');
    for (let i = 0; i < memberships; i++) link.run(repo(i % repos), digest(i));
    for (let i = 0; i < metas; i++) meta.run(digest(i), path(i), i);
  },
  3(db) {
    const name = db.prepare('INSERT INTO layercache_repos (id, name) VALUES (?, ?)');
    const link = db.prepare('INSERT OR IGNORE INTO layercache_links VALUES (?, ?, NULL)');
    const meta = db.prepare('INSERT INTO layercache_metas VALUES (?, ?, ?, NULL)');
    for (let r = 0; r < Math.min(repos, memberships); r++) name.run(r + 1, repo(r));
    for (let i = 0; i < memberships; i++) link.run((i % repos) + 1, encodeDigest(digest(i)));
    for (let i = 0; i < metas; i++) meta.run(encodeDigest(digest(i)), path(i), i);
  },
};
if (!(from in FILL)) throw new Error(`from must be 2 or 3, not ${from}`);

const dir = mkdtempSync(join(tmpdir(), 'layercache-upgrade-'));
try {
  const filename = join(dir, `v${from}.sqlite`);
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  for (let step = 0; step < from; step++) db.exec(MIGRATIONS[step]);
  db.transaction(() => FILL[from](db))();
  db.pragma(`user_version = ${from}`);
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
    `${memberships} memberships + ${metas} metas: version ${from} upgraded in ${openMs} ms; ` +
      `file ${before} → ${after} bytes, ${statSync(filename).size} after VACUUM`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
