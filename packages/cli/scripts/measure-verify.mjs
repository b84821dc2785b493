// How long `layercache verify` takes for N cache entries (default 100,000: N/2 blobs, each with
// one membership and one meta) over a storage tree in the Go registry's layout, on SQLite and,
// with --redis-url, on Redis.
//
//   pnpm --filter @layercache/cli build && node packages/cli/scripts/measure-verify.mjs [N] [--redis-url URL]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedisCache } from '@layercache/redis';
import { createSqliteCache } from '@layercache/sqlite';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const redisUrl = args.includes('--redis-url') ? args[args.indexOf('--redis-url') + 1] : undefined;
const blobs = Math.floor(total / 2);
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'layercache-measure-'));
const v2 = join(dir, 'docker', 'registry', 'v2');
try {
  let started = performance.now();
  const entries = [];
  for (let i = 0; i < blobs; i++) {
    const hex = createHash('sha256').update(String(i)).digest('hex');
    const digest = `sha256:${hex}`;
    const repo = `team/repo-${i % 500}`;
    const data = join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex);
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'data'), 'x'.repeat(i % 64));
    const link = join(v2, 'repositories', repo, '_layers', 'sha256', hex);
    mkdirSync(link, { recursive: true });
    writeFileSync(join(link, 'link'), digest);
    entries.push({ repo, digest, meta: { path: join(data, 'data'), length: i % 64 } });
  }
  console.log(
    `storage tree: ${blobs} blobs and links in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  async function fill(cache) {
    const writes = [];
    for (const { repo, digest, meta } of entries)
      writes.push(cache.add(repo, digest), cache.setMeta(digest, meta));
    await Promise.all(writes);
    await cache.close();
  }

  const backends = [
    [
      'sqlite',
      ['--sqlite', join(dir, 'cache.sqlite')],
      () => createSqliteCache({ filename: join(dir, 'cache.sqlite') }),
    ],
  ];
  if (redisUrl) {
    const prefix = `measure-${process.pid}:`;
    backends.push([
      'redis',
      ['--redis', redisUrl, '--prefix', prefix],
      () => createRedisCache({ url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 10_000 }),
    ]);
  }
  for (const [name, backendArgs, open] of backends) {
    await fill(open());
    started = performance.now();
    const output = execFileSync(process.execPath, [main, 'verify', '--root', dir, ...backendArgs], {
      encoding: 'utf8',
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${name}: layercache verify of ${total} entries: ${seconds.toFixed(2)} s — ${output.trim()}`,
    );
    if (name === 'redis') execFileSync(process.execPath, [main, 'clear', ...backendArgs]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
