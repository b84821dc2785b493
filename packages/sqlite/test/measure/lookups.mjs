// Lookup throughput of the cache on a real file, to compare two builds of the package.
//
//   node test/measure/lookups.mjs [entries=100000] [repos=1000] [seconds=3] [dist]
//
// Preloads `entries` memberships (over `repos` repositories) and as many metas, then runs
// `contains` (half hits, half misses) and `meta` (hits) with 64 calls in flight for `seconds`
// each, and prints calls per second and CPU time per call (this process's user + system time: on
// a busy machine it varies far less than the wall-clock rate). `dist` is the built package
// (default: this package's dist/). Extra options for createSqliteCache can be given as JSON in
// LAYERCACHE_OPTIONS, e.g. '{"mmapSizeBytes":0}' to compare without mmap.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entries = 100_000, repos = 1000, seconds = 3] = process.argv.slice(2, 5).map(Number);
const dist = resolve(process.argv[5] ?? new URL('../../dist/index.js', import.meta.url).pathname);
const { createSqliteCache } = await import(pathToFileURL(dist).href);

const digest = (i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
const repo = (i) => `team-${String(i % 97).padStart(4, '0')}/service-${String(i).padStart(5, '0')}`;
const digests = Array.from({ length: entries * 2 }, (_, i) => digest(i));

async function inFlight(count, call) {
  const pending = new Set();
  for (let i = 0; i < count; i++) {
    const p = call(i).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= 512) await Promise.race(pending);
  }
  await Promise.all(pending);
}

async function rate(name, call) {
  const cpu = process.cpuUsage();
  const deadline = Date.now() + seconds * 1000;
  let calls = 0;
  let i = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await call(i++);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const { user, system } = process.cpuUsage(cpu);
  const perCall = ((user + system) * 1000) / calls;
  console.log(
    `${name}: ${Math.round(calls / seconds / 1000)}k/s, ${Math.round(perCall)} ns CPU per call`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'layercache-lookups-'));
try {
  const cache = createSqliteCache({
    filename: join(dir, 'cache.sqlite'),
    synchronous: 'normal',
    ...JSON.parse(process.env.LAYERCACHE_OPTIONS ?? '{}'),
  });
  await inFlight(entries, (i) => cache.add(repo(i % repos), digests[i]));
  await inFlight(entries, (i) =>
    cache.setMeta(digests[i], { path: `/srv/registry/blobs/${i}`, length: i }),
  );
  console.log(
    `package: ${dist}, ${entries} entries over ${repos} repositories, ` +
      `options ${process.env.LAYERCACHE_OPTIONS ?? '{}'}`,
  );
  // Even calls ask for an entry that is there, odd ones for a digest never added.
  const probe = (i) => {
    const n = Math.floor((i * 7919) % entries);
    return i % 2 === 0 ? [repo(n % repos), digests[n]] : [repo(n % repos), digests[entries + n]];
  };
  await rate('contains', (i) => cache.contains(...probe(i)));
  await rate('meta', (i) => cache.meta(digests[(i * 7919) % entries]));
  await cache.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
