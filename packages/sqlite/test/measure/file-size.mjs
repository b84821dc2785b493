// Bytes on disk per membership and per meta, measured on a real file filled through the cache.
//
//   node test/measure/file-size.mjs [memberships=1000000] [repos=10000] [metas=1000000] [dist]
//
// Two files in a temporary directory: one with only memberships (spread uniformly at random over
// `repos` repositories named like `team-0042/service-01234`), two with only metas: 70-byte paths
// that do not spell the digest out, and 105-byte paths in the Go registry's layout (which do, and
// are stored without it since schema version 4). Each is filled with `add` / `setMeta` calls, 512 in flight, then closed (the last
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
const PATHS = {
  'other paths': (i) =>
    `${PATH_PREFIX}${createHash('sha256').update(`path-${i}`).digest('hex').slice(0, 43)}`,
  "Go registry's layout": (i) => {
    const hex = digest(i).slice(7);
    return `/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
  },
};

// A deterministic generator, so before/after runs fill the same entries.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const overPath = (bytes, path) => {
  const over = bytes - Buffer.byteLength(path);
  return `path ${over < 0 ? '−' : '+'} ${Math.abs(over).toFixed(1)} B`;
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
  const perLink = bytesOnDisk(links) / memberships;
  const packed = (filename) => {
    const db = new Database(filename);
    db.exec(`VACUUM INTO '${filename}.packed'`);
    db.close();
    return bytesOnDisk(`${filename}.packed`);
  };
  const packedLink = packed(links) / memberships;
  console.log(`package: ${dist}`);
  console.log(
    `memberships: ${memberships} over ${repos} repositories: ${bytesOnDisk(links)} bytes, ` +
      `${perLink.toFixed(1)} B per membership, packed ${packedLink.toFixed(1)} B ` +
      `(filled in ${linkMs} ms)`,
  );
  for (const [shape, path] of Object.entries(PATHS)) {
    const metaFile = join(dir, `metas-${path(0).length}.sqlite`);
    const metaMs = await fill(metaFile, metas, (cache, i) =>
      cache.setMeta(digest(i), { path: path(i), length: 1000 + i }),
    );
    const perMeta = bytesOnDisk(metaFile) / metas;
    const packedMeta = packed(metaFile) / metas;
    console.log(
      `metas: ${metas} with ${path(0).length}-byte paths (${shape}): ${bytesOnDisk(metaFile)} ` +
        `bytes, ${perMeta.toFixed(1)} B per meta = ${overPath(perMeta, path(0))}, ` +
        `packed ${overPath(packedMeta, path(0))} (filled in ${metaMs} ms)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
