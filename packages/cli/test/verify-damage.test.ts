import { mkdtempSync, rmSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteCache } from '@layercache/sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layercache, layercacheJson } from './support/cli.js';
import { type Pushed, pullThrough, pushImages } from './support/images.js';
import { type Registry, startRegistry } from './support/registry.js';

// A storage tree damaged by hand — a deleted data file, a truncated one, a removed link — and a
// cache filled before the damage: verify must find exactly that damage, and --fix remove it.

let registry: Registry;
let pushed: Pushed;
let dir: string;
let file: string;

const v2 = () => join(registry.root, 'docker', 'registry', 'v2');
const dataOf = (digest: string) => {
  const hex = digest.slice('sha256:'.length);
  return join(v2(), 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'layercache-cli-damage-'));
  file = join(dir, 'cache.sqlite');
  registry = await startRegistry();
  pushed = pushImages(registry);
  const cache = createSqliteCache({ filename: file });
  await pullThrough(cache, registry.root, pushed.pulls);
  await cache.close();
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  pushed?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface VerifyReport {
  checked: { memberships: number; metas: number };
  stale: Array<{ kind: string; repo?: string; digest: string; reason: string }>;
  fixed: number | null;
}

describe('verify on a damaged storage tree', () => {
  it('finds exactly the damage: deleted data, truncated data, a removed link', async () => {
    const [, onlyInA] = pushed.a.layers as [string, string];
    const [, onlyInB] = pushed.b.layers as [string, string];
    unlinkSync(dataOf(onlyInA));
    const lengthOfB = statSync(dataOf(onlyInB)).size;
    truncateSync(dataOf(onlyInB), 10);
    const hex = pushed.a.config.slice('sha256:'.length);
    unlinkSync(join(v2(), 'repositories', 'library/app-a', '_layers', 'sha256', hex, 'link'));

    const report = await layercacheJson<VerifyReport>([
      'verify',
      '--root',
      registry.root,
      '--sqlite',
      file,
    ]);

    expect(report.status).toBe(1);
    const described = report.stale.map(
      (e) => `${e.kind} ${e.repo ?? '-'} ${e.digest}: ${e.reason}`,
    );
    expect(described.sort()).toEqual(
      [
        `membership library/app-a ${onlyInA}: blob data missing`,
        `membership team/mirror ${onlyInA}: blob data missing`,
        `meta - ${onlyInA}: blob data missing`,
        `membership library/app-a ${pushed.a.config}: link file missing`,
        `meta - ${onlyInB}: blob data is 10 bytes, the cache says ${lengthOfB}`,
      ].sort(),
    );
    expect(report.checked).toEqual({ memberships: 9, metas: 5 });
    expect(report.fixed).toBeNull();
  });

  it('prints each stale entry on stdout, one per line, and a summary', async () => {
    const result = await layercache(['verify', '--root', registry.root, '--sqlite', file]);
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('stale ')).length).toBe(5);
    expect(lines.at(-1)).toMatch(/^checked 9 memberships and 5 metas against .*: 5 stale$/);
    expect(result.stderr).toBe('');
  });

  it('--fix removes exactly the stale entries and exits 0; verify then finds none', async () => {
    const fixed = await layercacheJson<VerifyReport>([
      'verify',
      '--root',
      registry.root,
      '--sqlite',
      file,
      '--fix',
    ]);
    expect(fixed.status).toBe(0);
    expect(fixed.fixed).toBe(5);

    const again = await layercacheJson<VerifyReport>([
      'verify',
      '--root',
      registry.root,
      '--sqlite',
      file,
    ]);
    expect(again.status).toBe(0);
    expect(again.stale).toEqual([]);
    expect(again.checked).toEqual({ memberships: 6, metas: 3 });
  });
});
