import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryCache } from '@layercache/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenCache, openCache } from '../src/caches.js';
import { blobDataPath, layerLinkPath } from '../src/layout.js';
import { type RunningRegistry, startRegistry } from '../src/server.js';
import { type GoRegistry, startGoRegistry } from './tools/go-registry.js';
import { rawRequest } from './tools/http.js';
import { type LayerFile, type OciImage, readOciImage, writeOciImage } from './tools/oci-image.js';
import { skopeoCopy, skopeoInspect, skopeoInspectRaw } from './tools/skopeo.js';

// Real tools end to end: the Go registry writes a storage tree from images pushed with skopeo;
// the example registry (SQLite cache, the default) serves that tree; skopeo pulls through it.

const base = [{ name: 'etc/os-release', content: 'ID=layercache-base\n' }];
// Hash-chained bytes: gzip cannot shrink them, so this layer is large enough to range over.
const noise = Buffer.concat(
  Array.from({ length: 128 }, (_, i) => createHash('sha256').update(`tool-${i}`).digest()),
);
const tools = [{ name: 'usr/bin/tool', content: noise }];
const images: Record<string, { tag: string; layers: LayerFile[][] }> = {
  'library/base': { tag: '1.0', layers: [base, tools] },
  'team/app': { tag: 'latest', layers: [base, tools, [{ name: 'app/main', content: 'app' }]] },
  'team/doomed': { tag: 'v1', layers: [base, [{ name: 'app/doomed', content: 'doomed' }]] },
  'team/collected': { tag: 'v1', layers: [[{ name: 'app/gc', content: 'collected '.repeat(9) }]] },
  'team/collected-warm': { tag: 'v1', layers: [[{ name: 'app/gc2', content: 'warm '.repeat(9) }]] },
  'team/untagged': { tag: 'v1', layers: [[{ name: 'app/untag', content: 'untag' }]] },
  'team/cache-down': { tag: 'v1', layers: [[{ name: 'app/down', content: 'down' }]] },
};

let tmp: string;
let go: GoRegistry;
let opened: OpenCache;
let registry: RunningRegistry;
const pushed = new Map<string, OciImage>();
const goAnswers = new Map<string, { status: number; codes: string[] }>();

// What pulling clients send. Without it the Go registry answers 404 for an OCI manifest (it
// assumes a client that knows only Docker schema 1); the example serves the stored manifest
// whatever the Accept header says.
const ACCEPT = {
  Accept:
    'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
};

/** Requests whose answers must be the Go registry's (read-only ones: the tree stays intact). */
function parityProbes(): [string, string][] {
  const app = image('team/app');
  const base = image('library/base');
  const unknown = `sha256:${'0'.repeat(64)}`;
  return [
    ['GET', '/v2/'],
    ['HEAD', `/v2/team/app/blobs/${app.layerDigests[2]}`],
    ['HEAD', `/v2/library/base/blobs/${app.layerDigests[2]}`],
    ['GET', `/v2/library/base/blobs/${app.layerDigests[2]}`],
    ['GET', `/v2/team/app/blobs/${unknown}`],
    ['HEAD', `/v2/team/app/blobs/${app.configDigest}`],
    ['HEAD', `/v2/library/base/blobs/${app.configDigest}`],
    ['GET', `/v2/library/base/manifests/${base.manifestDigest}`],
    ['GET', `/v2/library/base/manifests/${app.manifestDigest}`],
    ['GET', '/v2/library/base/manifests/1.0'],
    ['GET', '/v2/library/base/manifests/nope'],
    ['GET', '/v2/library/base/blobs/sha256:abc'],
    // Not compared: an upper-case name, which the Go registry's router answers BLOB_UNKNOWN
    // (404) and the example NAME_INVALID (400), as the distribution-spec lists it.
  ];
}

const ref = (name: string) => `docker://${registry.address}/${name}:${images[name]?.tag}`;
const head = (path: string, headers?: Record<string, string>) =>
  rawRequest(registry.url, 'HEAD', path, headers);
const get = (path: string, headers?: Record<string, string>) =>
  rawRequest(registry.url, 'GET', path, headers);
const image = (name: string) => {
  const found = pushed.get(name);
  if (found === undefined) throw new Error(`${name} was not pushed`);
  return found;
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'layercache-registry-test-'));
  go = await startGoRegistry();
  for (const [name, { tag, layers }] of Object.entries(images)) {
    const written = await writeOciImage(join(tmp, 'push', name), tag, layers);
    await skopeoCopy(`oci:${written.dir}:${tag}`, `docker://${go.address}/${name}:${tag}`);
    pushed.set(name, written);
  }
  // What the Go registry itself answers, for the parity test below.
  for (const [method, path] of parityProbes()) {
    const response = await rawRequest(`http://${go.address}`, method, path, ACCEPT);
    goAnswers.set(`${method} ${path}`, { status: response.status, codes: response.errorCodes });
  }
  // From here on only the example registry reads the tree.
  await go.stop();
  opened = await openCache({ adapter: 'sqlite' });
  registry = await startRegistry({ root: go.root, cache: opened.cache });
});

afterAll(async () => {
  await registry?.close();
  await opened?.close();
  await go?.remove();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

describe('pulls with skopeo through the example registry', () => {
  it('pulls every pushed image with the manifest and blob digests that were pushed', async () => {
    for (const name of ['library/base', 'team/app']) {
      const { tag } = images[name]!;
      const dir = join(tmp, 'pull', name);
      await mkdir(dir, { recursive: true });
      await skopeoCopy(ref(name), `oci:${dir}:${tag}`);
      const pulled = await readOciImage(dir, tag);
      const expected = image(name);
      expect(pulled).toEqual({
        manifestDigest: expected.manifestDigest,
        configDigest: expected.configDigest,
        layerDigests: expected.layerDigests,
      });
    }
  });

  it('skopeo inspect reports the pushed digest, layers and tags', async () => {
    const inspected = await skopeoInspect(ref('team/app'));
    expect(inspected.Digest).toBe(image('team/app').manifestDigest);
    expect(inspected.Layers).toEqual(image('team/app').layerDigests);
    expect(inspected.RepoTags).toEqual(['latest']);
    expect(await skopeoInspectRaw(ref('team/app'))).toEqual(image('team/app').manifest);
  });
});

describe('parity with the Go registry', () => {
  it('answers like the Go registry on the same tree: statuses and error codes', async () => {
    for (const [method, path] of parityProbes()) {
      const response = await rawRequest(registry.url, method, path, ACCEPT);
      const ours = { status: response.status, codes: response.errorCodes };
      expect([method, path, ours]).toEqual([method, path, goAnswers.get(`${method} ${path}`)]);
    }
  });
});

describe('blob access checks', () => {
  it('answers a blob HEAD with its length and digest', async () => {
    const digest = image('library/base').layerDigests[1]!;
    const response = await head(`/v2/library/base/blobs/${digest}`);
    expect(response.status).toBe(200);
    expect(response.headers['docker-content-digest']).toBe(digest);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(2000);
  });

  it('is a 404 for a blob the repository does not link, even though another repository has it', async () => {
    const appOnly = image('team/app').layerDigests[2]!;
    expect((await head(`/v2/team/app/blobs/${appOnly}`)).status).toBe(200);
    const response = await get(`/v2/library/base/blobs/${appOnly}`);
    expect(response.status).toBe(404);
    expect(response.errorCodes).toEqual(['BLOB_UNKNOWN']);
    expect((await head(`/v2/library/base/blobs/${appOnly}`)).status).toBe(404);
  });

  it('answers a repeated HEAD from the cache without asking storage', async () => {
    const path = `/v2/team/app/blobs/${image('team/app').layerDigests[0]}`;
    expect((await head(path)).status).toBe(200);
    const before = { ...registry.backend.calls };
    expect((await head(path)).status).toBe(200);
    expect(registry.backend.calls).toEqual(before);
  });

  it('after a blob DELETE the HEAD is 404 at once and a pull that needs the blob fails', async () => {
    const shared = image('team/doomed').layerDigests[0]!;
    const path = `/v2/team/doomed/blobs/${shared}`;
    expect((await head(path)).status).toBe(200); // now cached
    const deleted = await rawRequest(registry.url, 'DELETE', path);
    expect(deleted.status).toBe(202);
    expect((await head(path)).status).toBe(404);
    await expect(skopeoCopy(ref('team/doomed'), `oci:${join(tmp, 'doomed')}:v1`)).rejects.toThrow();
    // Other repositories linking the same blob keep it.
    expect((await head(`/v2/library/base/blobs/${shared}`)).status).toBe(200);
    expect((await rawRequest(registry.url, 'DELETE', path)).errorCodes).toEqual(['BLOB_UNKNOWN']);
  });

  it('is a 404 for a link whose blob data a garbage collection removed', async () => {
    const digest = image('team/collected').layerDigests[0]!;
    await unlink(join(go.root, blobDataPath(digest)));
    const path = `/v2/team/collected/blobs/${digest}`;
    expect((await head(path)).status).toBe(404);
    const response = await get(path);
    expect(response.status).toBe(404);
    expect(response.errorCodes).toEqual(['BLOB_UNKNOWN']);
  });

  it('answers a GET whose cached size outlived the data with a 404 and forgets the size', async () => {
    const digest = image('team/collected-warm').layerDigests[0]!;
    const path = `/v2/team/collected-warm/blobs/${digest}`;
    expect((await head(path)).status).toBe(200); // membership and size now cached
    await unlink(join(go.root, blobDataPath(digest)));
    expect((await get(path)).status).toBe(404);
    expect((await head(path)).status).toBe(404);
  });

  it('serves a single byte range with 206 and Content-Range', async () => {
    const digest = image('library/base').layerDigests[1]!;
    const whole = await get(`/v2/library/base/blobs/${digest}`);
    const part = await get(`/v2/library/base/blobs/${digest}`, { Range: 'bytes=512-1023' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 512-1023/${whole.body.length}`);
    expect(part.body).toEqual(whole.body.subarray(512, 1024));
    const suffix = await get(`/v2/library/base/blobs/${digest}`, { Range: 'bytes=-10' });
    expect(suffix.body).toEqual(whole.body.subarray(whole.body.length - 10));
  });

  it('answers a range past the end with 416 RANGE_INVALID', async () => {
    const digest = image('library/base').layerDigests[1]!;
    const response = await get(`/v2/library/base/blobs/${digest}`, { Range: 'bytes=99999999-' });
    expect(response.status).toBe(416);
    expect(response.errorCodes).toEqual(['RANGE_INVALID']);
    expect(response.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
  });
});

describe('manifests and tags', () => {
  it('serves a manifest by tag and by digest with its media type and digest', async () => {
    const { manifestDigest, manifest } = image('library/base');
    for (const reference of ['1.0', manifestDigest]) {
      const response = await get(`/v2/library/base/manifests/${reference}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(response.headers['docker-content-digest']).toBe(manifestDigest);
      expect(response.body).toEqual(manifest);
    }
  });

  it('deletes a manifest by digest: its tag and digest are then MANIFEST_UNKNOWN', async () => {
    const { manifestDigest } = image('team/untagged');
    const byTag = await rawRequest(registry.url, 'DELETE', '/v2/team/untagged/manifests/v1');
    expect(byTag.errorCodes).toEqual(['UNSUPPORTED']);
    const deleted = await rawRequest(
      registry.url,
      'DELETE',
      `/v2/team/untagged/manifests/${manifestDigest}`,
    );
    expect(deleted.status).toBe(202);
    for (const reference of ['v1', manifestDigest]) {
      const response = await get(`/v2/team/untagged/manifests/${reference}`);
      expect(response.status).toBe(404);
      expect(response.errorCodes).toEqual(['MANIFEST_UNKNOWN']);
    }
  });

  it('lists tags', async () => {
    const response = await get('/v2/team/app/tags/list');
    expect(JSON.parse(response.body.toString())).toEqual({ name: 'team/app', tags: ['latest'] });
  });
});

describe('errors', () => {
  it('answers GET /v2/ with 200 and the API version header', async () => {
    const response = await get('/v2/');
    expect(response.status).toBe(200);
    expect(response.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('is NAME_UNKNOWN for a repository that does not exist', async () => {
    const digest = image('library/base').layerDigests[0]!;
    expect((await get(`/v2/nobody/here/blobs/${digest}`)).errorCodes).toEqual(['NAME_UNKNOWN']);
    expect((await get('/v2/nobody/here/manifests/latest')).errorCodes).toEqual(['NAME_UNKNOWN']);
  });

  it('is MANIFEST_UNKNOWN for an unknown tag and BLOB_UNKNOWN for an unknown blob', async () => {
    expect((await get('/v2/team/app/manifests/nope')).errorCodes).toEqual(['MANIFEST_UNKNOWN']);
    const unknown = `sha256:${'0'.repeat(64)}`;
    expect((await get(`/v2/team/app/blobs/${unknown}`)).errorCodes).toEqual(['BLOB_UNKNOWN']);
  });

  it('refuses path traversal in a name or digest with a 400 before reading a file', async () => {
    const digest = image('library/base').layerDigests[0]!;
    const cases = [
      [`/v2/../../../etc/blobs/${digest}`, 'NAME_INVALID'],
      [`/v2/team/%2e%2e/library/base/blobs/${digest}`, 'NAME_INVALID'],
      [`/v2/Library/Base/blobs/${digest}`, 'NAME_INVALID'],
      ['/v2/library/base/blobs/sha256:..%2f..%2f..%2fetc%2fpasswd', 'DIGEST_INVALID'],
      [`/v2/library/base/blobs/sha256:${'a'.repeat(63)}`, 'DIGEST_INVALID'],
      [`/v2/library/base/manifests/md5:${'a'.repeat(32)}`, 'DIGEST_INVALID'],
    ] as const;
    const calls = { ...registry.backend.calls };
    for (const [path, code] of cases) {
      const response = await get(path);
      expect([path, response.status, response.errorCodes]).toEqual([path, 400, [code]]);
    }
    expect(registry.backend.calls).toEqual(calls);
  });

  it('refuses uploads with 405 UNSUPPORTED: the registry is read-only', async () => {
    const response = await rawRequest(registry.url, 'POST', '/v2/team/app/blobs/uploads/');
    expect(response.status).toBe(405);
    expect(response.errorCodes).toEqual(['UNSUPPORTED']);
  });

  it('links written by the Go registry are where the example looks for them', async () => {
    // Guards the layout module against drifting from distribution's paths.go.
    const digest = image('team/app').layerDigests[2]!;
    expect((await readFile(join(go.root, layerLinkPath('team/app', digest)), 'utf8')).trim()).toBe(
      digest,
    );
  });
});

describe('when the cache fails', () => {
  let broken: RunningRegistry;
  const logged: string[] = [];

  beforeAll(async () => {
    // A closed cache rejects every call: an outage as the service sees it.
    const cache = createMemoryCache();
    await cache.close();
    broken = await startRegistry({ root: go.root, cache, log: (message) => logged.push(message) });
  });
  afterAll(async () => {
    await broken?.close();
  });

  it('still serves pulls from storage, and reports the cache errors', async () => {
    const dir = join(tmp, 'pull-cache-down');
    await mkdir(dir, { recursive: true });
    await skopeoCopy(`docker://${broken.address}/library/base:1.0`, `oci:${dir}:1.0`);
    expect((await readOciImage(dir, '1.0')).layerDigests).toEqual(
      image('library/base').layerDigests,
    );
    expect(logged.some((line) => line.startsWith('layer cache contains failed'))).toBe(true);
  });

  it('answers a blob DELETE it could not revoke in the cache with 503, not 202', async () => {
    const digest = image('team/cache-down').layerDigests[0]!;
    const response = await rawRequest(broken.url, 'DELETE', `/v2/team/cache-down/blobs/${digest}`);
    expect(response.status).toBe(503);
    expect(response.errorCodes).toEqual(['UNAVAILABLE']);
  });
});
