import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** What {@link writeOciImage} wrote, with every digest a registry will see. */
export interface OciImage {
  /** The OCI layout directory; `oci:${dir}:${tag}` is its skopeo reference. */
  readonly dir: string;
  readonly tag: string;
  readonly manifestDigest: string;
  readonly manifest: Buffer;
  readonly configDigest: string;
  readonly layerDigests: readonly string[];
}

/** One file inside a layer. */
export interface LayerFile {
  readonly name: string;
  readonly content: string | Buffer;
}

/**
 * Writes a small, valid single-platform image as an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…`): each layer a gzipped tar of the given files, a config naming their diff IDs,
 * an OCI manifest. Nothing is downloaded; the same input gives the same digests. Layers are
 * gzipped because skopeo compresses uncompressed layers on the way to a registry, which would
 * change their digests (and the manifest's) between what was written and what was pushed.
 *
 * @example
 * ```ts
 * const image = await writeOciImage(join(tmp, 'alpine'), 'v1', [[{ name: 'etc/os', content: 'a' }]]);
 * await skopeoCopy(`oci:${image.dir}:v1`, `docker://${address}/library/alpine:v1`);
 * ```
 */
export async function writeOciImage(
  dir: string,
  tag: string,
  layers: readonly (readonly LayerFile[])[],
): Promise<OciImage> {
  const blobsDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const writeBlob = async (data: Buffer) => {
    const digest = sha256(data);
    await writeFile(join(blobsDir, digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };

  const tars = layers.map((files) => tarArchive(files));
  // mtime 0 and no file name in the gzip header: the same tar always gives the same digest.
  const layerBlobs = await Promise.all(tars.map((tar) => writeBlob(gzipSync(tar))));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
    }),
  );
  const configBlob = await writeBlob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: layerBlobs.map((blob) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        ...blob,
      })),
    }),
  );
  const manifestBlob = await writeBlob(manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifestBlob,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return {
    dir,
    tag,
    manifestDigest: manifestBlob.digest,
    manifest,
    configDigest: configBlob.digest,
    layerDigests: layerBlobs.map((blob) => blob.digest),
  };
}

/** The manifest digest and blob digests of the image tagged `tag` in an OCI layout (e.g. a pull). */
export async function readOciImage(
  dir: string,
  tag: string,
): Promise<{ manifestDigest: string; configDigest: string; layerDigests: string[] }> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (entry === undefined) throw new Error(`${dir} has no image tagged ${tag}`);
  const blob = (digest: string) => readFile(join(dir, 'blobs', 'sha256', digest.slice(7)));
  const manifestBytes = await blob(entry.digest);
  if (sha256(manifestBytes) !== entry.digest) throw new Error(`${dir}: manifest digest mismatch`);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const layerDigests: string[] = [];
  for (const layer of manifest.layers) {
    // The pulled bytes, hashed again: a registry that served wrong bytes cannot pass.
    if (sha256(await blob(layer.digest)) !== layer.digest)
      throw new Error(`${dir}: layer mismatch`);
    layerDigests.push(layer.digest);
  }
  return { manifestDigest: entry.digest, configDigest: manifest.config.digest, layerDigests };
}

/** `sha256:<hex>` of `data`. */
export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A POSIX ustar archive of regular files (mode 0644, owner 0, mtime 0). */
export function tarArchive(files: readonly LayerFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const data = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) =>
      header.write(value, offset, length, 'ascii');
    const octal = (offset: number, length: number, value: number) =>
      field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, file.name);
    octal(100, 8, 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.length);
    octal(136, 12, 0);
    field(148, 8, '        '); // checksum is computed with this field as spaces
    field(156, 1, '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    let checksum = 0;
    for (const byte of header) checksum += byte;
    field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
