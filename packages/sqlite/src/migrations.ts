/**
 * SQL for the version 3 key (see digest-key.ts) of a version 2 digest column: the algorithm byte
 * and the hex decoded, or NULL for text that is not `<algorithm>:<lower-case hex>` of the
 * algorithm's exact length. Frozen with migration 2 → 3: the codes are those of that release.
 */
function digestKey(column: string): string {
  const algorithms: readonly [string, string, number][] = [
    ['sha256', '01', 64],
    ['sha384', '02', 96],
    ['sha512', '03', 128],
    ['blake3', '04', 64],
  ];
  const hex = `substr(${column}, 8)`;
  const cases = algorithms
    .map(
      ([name, code, length]) =>
        `WHEN substr(${column}, 1, 7) = '${name}:' AND length(${column}) = ${7 + length} ` +
        `THEN unhex('${code}' || ${hex})`,
    )
    .join(' ');
  return (
    `(CASE WHEN typeof(${column}) IS NOT 'text' OR ${hex} GLOB '*[^0-9a-f]*' THEN NULL ` +
    `${cases} END)`
  );
}

/**
 * SQL for where the version 3 key's hex (the digest without its algorithm) starts in a meta's
 * `path_head`, in characters from 1, or 0 when the path does not hold it. Frozen with migration
 * 3 → 4.
 */
const HEX_AT = 'instr(path_head, lower(hex(substr(digest, 2))))';

/**
 * `MIGRATIONS[v]` upgrades a database from schema version v to v + 1. A layout change appends a
 * step here and never edits an old one: a file written by any earlier release then upgrades in
 * place on open, inside one `BEGIN IMMEDIATE` transaction (DDL is transactional in SQLite, so a
 * failed upgrade leaves the file as it was, and two processes opening it at once upgrade it once).
 *
 * Tables are `WITHOUT ROWID` and keyed by what the two lookups ask for, so `contains` and `meta`
 * are each one B-tree search and no separate index doubles the file size. Names start with
 * `layercache_` so the tables can live in a borrowed database beside the application's own.
 *
 * A step that changes the columns of `layercache_links` must also keep `layoutVersion` (schema.ts)
 * right: it tells the version of our tables in a borrowed database that has no `layercache_schema`.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 → 1: memberships and metas.
  `CREATE TABLE layercache_links (
     repo   TEXT NOT NULL,
     digest TEXT NOT NULL,
     PRIMARY KEY (repo, digest)
   ) WITHOUT ROWID;
   CREATE TABLE layercache_metas (
     digest TEXT NOT NULL PRIMARY KEY,
     path   TEXT NOT NULL,
     length INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // 1 → 2: per-entry expiry for ttlMs, as Date.now() milliseconds (NULL: never). Partial
  // indexes so the sweep finds expired rows without scanning, at no cost when ttlMs is unset.
  `ALTER TABLE layercache_links ADD COLUMN expires_at INTEGER;
   ALTER TABLE layercache_metas ADD COLUMN expires_at INTEGER;
   CREATE INDEX layercache_links_expiry ON layercache_links (expires_at)
     WHERE expires_at IS NOT NULL;
   CREATE INDEX layercache_metas_expiry ON layercache_metas (expires_at)
     WHERE expires_at IS NOT NULL;`,
  // 2 → 3: the compact layout. A digest is stored once per row in binary (digest-key.ts: one
  // algorithm byte, then the raw hash), and a repository name once in layercache_repos, links
  // naming it by id. ~40 bytes per membership instead of ~118. AUTOINCREMENT: an id is never
  // handed to another name, even after its repository's last link is gone and its row deleted.
  // The version 2 rows are copied over, then dropped; a row whose digest core would never let
  // through (so it could never have been asked for) is left behind rather than made reachable.
  `DROP INDEX layercache_links_expiry;
   DROP INDEX layercache_metas_expiry;
   ALTER TABLE layercache_links RENAME TO layercache_v2_links;
   ALTER TABLE layercache_metas RENAME TO layercache_v2_metas;
   CREATE TABLE layercache_repos (
     id   INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE
   );
   CREATE TABLE layercache_links (
     repo       INTEGER NOT NULL,
     digest     BLOB NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (repo, digest)
   ) WITHOUT ROWID;
   CREATE TABLE layercache_metas (
     digest     BLOB NOT NULL PRIMARY KEY,
     path       TEXT NOT NULL,
     length     INTEGER NOT NULL,
     expires_at INTEGER
   ) WITHOUT ROWID;
   INSERT INTO layercache_repos (name)
     SELECT repo FROM layercache_v2_links WHERE ${digestKey('digest')} IS NOT NULL
     GROUP BY repo ORDER BY repo;
   INSERT INTO layercache_links (repo, digest, expires_at)
     SELECT r.id, k.digest, k.expires_at
     FROM (SELECT repo, ${digestKey('digest')} AS digest, expires_at FROM layercache_v2_links) AS k
     JOIN layercache_repos AS r ON r.name = k.repo
     WHERE k.digest IS NOT NULL
     ORDER BY 1, 2;
   INSERT INTO layercache_metas (digest, path, length, expires_at)
     SELECT digest, path, length, expires_at
     FROM (SELECT ${digestKey('digest')} AS digest, path, length, expires_at FROM layercache_v2_metas)
     WHERE digest IS NOT NULL
     ORDER BY 1;
   DROP TABLE layercache_v2_links;
   DROP TABLE layercache_v2_metas;
   CREATE INDEX layercache_links_expiry ON layercache_links (expires_at)
     WHERE expires_at IS NOT NULL;
   CREATE INDEX layercache_metas_expiry ON layercache_metas (expires_at)
     WHERE expires_at IS NOT NULL;`,
  // 3 → 4: a path holding the digest's hex is stored as the text before it and the text after it
  // (stored-path.ts), so a path in the Go registry's layout no longer stores the digest a second
  // time: 64 bytes less per sha256 meta. `path` is renamed so that a reader of version 3 finds a
  // column it does not know and refuses the file at its schema check, whatever version it is
  // told, rather than answer with half a path. (In an UPDATE every expression reads the row as it
  // was, so both columns are cut from the original path.)
  `ALTER TABLE layercache_metas RENAME COLUMN path TO path_head;
   ALTER TABLE layercache_metas ADD COLUMN path_tail TEXT;
   UPDATE layercache_metas
     SET path_head = substr(path_head, 1, ${HEX_AT} - 1),
         path_tail = substr(path_head, ${HEX_AT} + 2 * (length(digest) - 1))
     WHERE ${HEX_AT} > 0;`,
];
