import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer | string) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A one-file layer: a real tar (made by tar(1)), gzipped. */
export function makeLayer(name: string, content: string): { blob: Buffer; diffId: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layercache-layer-'));
  try {
    writeFileSync(join(dir, name), content);
    const tar = spawnSync('tar', [
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '-C',
      dir,
      '-cf',
      '-',
      name,
    ]);
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    return { blob: gzipSync(tar.stdout), diffId: sha256(tar.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The digests of an image written by {@link writeOciImage}. */
export interface OciImage {
  readonly layout: string;
  readonly tag: string;
  readonly config: string;
  readonly layers: readonly string[];
  readonly manifest: string;
  /** Config and layers: the blobs a pull reads through the layer service. */
  readonly blobs: readonly string[];
}

/** Writes an OCI image layout (oci-layout, index.json, blobs/) holding one tagged image. */
export function writeOciImage(
  layout: string,
  tag: string,
  layers: ReadonlyArray<{ blob: Buffer; diffId: string }>,
): OciImage {
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const layerDescriptors = layers.map((layer) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    ...put(layer.blob),
  }));
  const config = put(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { tag } },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layerDescriptors,
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  const layerDigests = layerDescriptors.map((layer) => layer.digest);
  return {
    layout,
    tag,
    config: config.digest,
    layers: layerDigests,
    manifest: manifest.digest,
    blobs: [config.digest, ...layerDigests],
  };
}
