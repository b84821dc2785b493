import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { REPOSITORIES_PATH } from './layout.js';
import type { RepositoryLayers, StorageInventory } from './tree.js';

/**
 * Reads an existing registry storage directory (the filesystem driver's `rootdirectory`, the one
 * holding `docker/registry/v2`) without writing anything: every directory with a `_layers`
 * child is a repository, and each `_layers/<alg>/<hex>/link` a layer it links.
 * Repositories come back sorted by name (there is no popularity to go by).
 */
export async function scanStorageTree(root: string): Promise<StorageInventory> {
  const repositoriesRoot = join(root, REPOSITORIES_PATH);
  const info = await stat(repositoriesRoot).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new Error(`${root} is not registry storage: ${REPOSITORIES_PATH} is missing`);
  }
  const repositories: RepositoryLayers[] = [];
  const blobs = new Set<string>();
  let links = 0;

  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      if (entry.name === '_layers') {
        const digests = await readLayerLinks(join(dir, entry.name));
        if (digests.length > 0) {
          const name = relative(repositoriesRoot, dir).split(sep).join('/');
          repositories.push({ name, digests });
          for (const digest of digests) blobs.add(digest);
          links += digests.length;
        }
      } else if (!entry.name.startsWith('_')) {
        await walk(join(dir, entry.name));
      }
    }
  };
  await walk(repositoriesRoot);
  repositories.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { repositories, blobs: blobs.size, links };
}

async function readLayerLinks(layersDir: string): Promise<string[]> {
  const digests: string[] = [];
  for (const algorithm of await readdir(layersDir)) {
    for (const encoded of await readdir(join(layersDir, algorithm))) {
      const content = await readFile(join(layersDir, algorithm, encoded, 'link'), 'utf8').catch(
        () => undefined,
      );
      // The link's content is the digest; a mismatch is a corrupt link, which we skip.
      if (content?.trim() === `${algorithm}:${encoded}`) digests.push(`${algorithm}:${encoded}`);
    }
  }
  return digests.sort();
}
