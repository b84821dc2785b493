import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Digest } from '../workload/digests.js';
import { blobDataPath, layerLinkPath, REGISTRY_ROOT, splitDigest } from './layout.js';
import type { StorageInventory } from './tree.js';

/** The tag {@link writeImageManifests} gives every repository. */
export const DEMO_TAG = 'latest';

/**
 * Makes every repository of a generated tree pullable: a config blob, an OCI image manifest
 * listing the repository's layers, and the tag `latest`, in the Go registry's layout
 * (`_manifests/revisions/<alg>/<hex>/link`, `_manifests/tags/latest/current/link`, the config's
 * `_layers` link). The demo's layers are filler bytes, not tarballs: the images copy (skopeo)
 * but do not unpack (`docker run`). Layers are declared uncompressed, so each digest is also its
 * diff ID and the config is consistent.
 */
export function writeImageManifests(root: string, inventory: StorageInventory): void {
  const write = (relative: string, data: string | Uint8Array) => {
    mkdirSync(dirname(join(root, relative)), { recursive: true });
    writeFileSync(join(root, relative), data);
  };
  const blob = (data: string) => {
    const digest = sha256Digest(data);
    write(blobDataPath(digest), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const sizes = new Map<string, number>();
  const sizeOf = (digest: string) => {
    let size = sizes.get(digest);
    if (size === undefined) {
      size = statSync(join(root, blobDataPath(digest))).size;
      sizes.set(digest, size);
    }
    return size;
  };

  for (const { name, digests } of inventory.repositories) {
    const config = blob(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: digests },
      }),
    );
    write(layerLinkPath(name, config.digest), config.digest);
    const manifest = blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: digests.map((digest) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest,
          size: sizeOf(digest),
        })),
      }),
    );
    const { algorithm, encoded } = splitDigest(manifest.digest);
    const manifests = `${REGISTRY_ROOT}/repositories/${name}/_manifests`;
    write(`${manifests}/revisions/${algorithm}/${encoded}/link`, manifest.digest);
    write(`${manifests}/tags/${DEMO_TAG}/current/link`, manifest.digest);
    write(`${manifests}/tags/${DEMO_TAG}/index/${algorithm}/${encoded}/link`, manifest.digest);
  }
}
