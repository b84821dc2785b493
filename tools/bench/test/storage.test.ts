import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilesystemBackend } from '../src/storage/backend.js';
import { blobDataPath, layerLinkPath } from '../src/storage/layout.js';
import { scanStorageTree } from '../src/storage/scan.js';
import { buildStorageTree, type StorageInventory } from '../src/storage/tree.js';

let root: string;
let inventory: StorageInventory;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'layercache-bench-test-'));
  inventory = await buildStorageTree(root, { repositories: 12, baseImages: 3, seed: 7 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the Go registry layout', () => {
  it('puts blobs under blobs/<alg>/<2 hex>/<hex>/data and links under _layers/<alg>/<hex>/link', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(blobDataPath(digest)).toBe(`docker/registry/v2/blobs/sha256/ab/${'ab'.repeat(32)}/data`);
    expect(layerLinkPath('library/ubuntu', digest)).toBe(
      `docker/registry/v2/repositories/library/ubuntu/_layers/sha256/${'ab'.repeat(32)}/link`,
    );
  });
});

describe('buildStorageTree', () => {
  it('writes every link as a file holding the digest, next to a data file whose sha256 is that digest', async () => {
    for (const repo of inventory.repositories) {
      for (const digest of repo.digests) {
        expect(await readFile(join(root, layerLinkPath(repo.name, digest)), 'utf8')).toBe(digest);
        const data = await readFile(join(root, blobDataPath(digest)));
        expect(`sha256:${createHash('sha256').update(data).digest('hex')}`).toBe(digest);
      }
    }
  });

  it('shares base layers between repositories, so there are fewer blobs than links', () => {
    expect(inventory.repositories).toHaveLength(12);
    expect(inventory.blobs).toBeLessThan(inventory.links);
    const counts = new Map<string, number>();
    for (const repo of inventory.repositories) {
      for (const d of repo.digests) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    expect(Math.max(...counts.values())).toBeGreaterThan(1);
  });

  it('builds the same tree from the same seed', async () => {
    const again = await mkdtemp(join(tmpdir(), 'layercache-bench-test-'));
    try {
      const second = await buildStorageTree(again, { repositories: 12, baseImages: 3, seed: 7 });
      expect(second).toEqual(inventory);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe('scanStorageTree', () => {
  it('finds every repository (nested names included) and every layer it links', async () => {
    const scanned = await scanStorageTree(root);
    const byName = (inv: StorageInventory) =>
      Object.fromEntries(inv.repositories.map((r) => [r.name, [...r.digests].sort()]));
    expect(byName(scanned)).toEqual(byName(inventory));
    expect(scanned.links).toBe(inventory.links);
    expect(scanned.blobs).toBe(inventory.blobs);
  });

  it('rejects a directory that is not registry storage', async () => {
    await expect(scanStorageTree(join(root, 'docker'))).rejects.toThrow(/not registry storage/);
  });
});

describe('the filesystem backend', () => {
  it('answers exists from the link file: true when linked, false for another repository or an unknown digest', async () => {
    const backend = createFilesystemBackend(root);
    const [first, second] = inventory.repositories;
    const own = first!.digests.find((d) => !second!.digests.includes(d))!;
    expect(await backend.exists(first!.name, own)).toBe(true);
    expect(await backend.exists(second!.name, own)).toBe(false);
    expect(await backend.exists('no/such-repo', own)).toBe(false);
    expect(await backend.exists(first!.name, `sha256:${'0'.repeat(64)}`)).toBe(false);
    expect(backend.calls).toEqual({ exists: 4, stat: 0 });
  });

  it('answers stat from the data file: its registry path and its size, or undefined', async () => {
    const backend = createFilesystemBackend(root);
    const digest = inventory.repositories[0]!.digests[0]!;
    const info = await stat(join(root, blobDataPath(digest)));
    expect(await backend.stat(digest)).toEqual({
      path: `/${blobDataPath(digest)}`,
      length: info.size,
    });
    expect(await backend.stat(`sha256:${'0'.repeat(64)}`)).toBeUndefined();
    expect(backend.calls).toEqual({ exists: 0, stat: 2 });
  });

  it('adds the simulated latency to every call', async () => {
    const backend = createFilesystemBackend(root, { latencyMs: 20 });
    const digest = inventory.repositories[0]!.digests[0]!;
    const start = performance.now();
    await backend.stat(digest);
    await backend.exists(inventory.repositories[0]!.name, digest);
    // Timers may fire a little early on some platforms; 2 × 20 ms minus a small tolerance.
    expect(performance.now() - start).toBeGreaterThanOrEqual(38);
  });
});
