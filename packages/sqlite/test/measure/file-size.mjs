// Bytes on disk per membership and per meta, measured on a real file filled through the cache.
//
//   node test/measure/file-size.mjs [memberships=1000000] [repos=10000] [metas=1000000] [dist]
//
// Two files in a temporary directory: one with only memberships (spread uniformly at random over
// `repos` repositories named like `team-0042/service-01234`), one with only metas (70-byte
// paths). Each is filled with `add` / `setMeta` calls, 512 in flight, then closed (the last
// connection checkpoints the WAL into the file); the figure is the file plus any -wal left, over
// the entry count. `dist` is the built package to measure (default: this package's dist/), so an
// older release's build can be measured the same way. "packed" is the same file after VACUUM
// (full pages, as a file migrated from version 2 is written): random fills leave pages ~85% full.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const [memberships = 1_000_000, repos = 10_000, metas = 1_000_000] = process.argv
  .slice(2, 5)
  .map(Number);
const dist = resolve(process.argv[5] ?? new URL('../../dist/index.js', import.meta.url).pathname);
const { createSqliteCache } = await import(pathToFileURL(dist).href);

const digest = (i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
const repo = (i) => `team-${String(i % 97).padStart(4, '0')}/service-${String(i).padStart(5, '0')}`;
const PATH_PREFIX = '/srv/registry/blobs/sha256/'; // + 43 characters: 70 bytes
const path = (i) => `${PATH_PREFIX}${digest(i).slice(7, 50)}`;

// A deterministic generator, so before/after runs fill the same entries.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

function bytesOnDisk(filename) {
  const size = (f) => (existsSync(f) ? statSync(f).size : 0);
  return size(filename) + size(`${filename}-wal`);
}

async function fill(filename, count, write) {
  const cache = createSqliteCache({ filename, synchronous: 'normal' });
  const started = Date.now();
  const inFlight = new Set();
  for (let i = 0; i < count; i++) {
    const p = write(cache, i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 512) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await cache.close();
  return Date.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), 'layercache-size-'));
try {
  const links = join(dir, 'links.sqlite');
  const linkMs = await fill(links, memberships, (cache, i) =>
    cache.add(repo(Math.floor(random() * repos)), digest(i)),
  );
  const metaFile = join(dir, 'metas.sqlite');
  const metaMs = await fill(metaFile, metas, (cache, i) =>
    cache.setMeta(digest(i), { path: path(i), length: 1000 + i }),
  );
  const perLink = bytesOnDisk(links) / memberships;
  const perMeta = bytesOnDisk(metaFile) / metas;
  const packed = (filename) => {
    const db = new Database(filename);
    db.exec(`VACUUM INTO '${filename}.packed'`);
    db.close();
    return bytesOnDisk(`${filename}.packed`);
  };
  const packedLink = packed(links) / memberships;
  const packedMeta = packed(metaFile) / metas;
  console.log(`package: ${dist}`);
  console.log(
    `memberships: ${memberships} over ${repos} repositories: ${bytesOnDisk(links)} bytes, ` +
      `${perLink.toFixed(1)} B per membership, packed ${packedLink.toFixed(1)} B ` +
      `(filled in ${linkMs} ms)`,
  );
  console.log(
    `metas: ${metas} with ${path(0).length}-byte paths: ${bytesOnDisk(metaFile)} bytes, ` +
      `${perMeta.toFixed(1)} B per meta = path + ${(perMeta - path(0).length).toFixed(1)} B, ` +
      `packed path + ${(packedMeta - path(0).length).toFixed(1)} B (filled in ${metaMs} ms)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
