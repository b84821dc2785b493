import { describe, expect, it } from 'vitest';
import {
  createCachedLayerService,
  createLayerInfoCache,
  isUnavailableError,
  type LayerMeta,
} from '../src/index.js';
import { createScriptedBackend } from './support/backend.js';
import {
  createServiceFixture,
  DIGEST,
  digestOf,
  META,
  OTHER_REPO,
  REPO,
} from './support/service-fixture.js';

// forget(digest) is what a registry calls after deleting a blob: with a cache that can forget a
// digest everywhere, no repository keeps answering for the deleted blob.
describe('read-through service: forget with the forgetDigest capability', () => {
  it('removes the membership of the blob in every repository', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    backend.links.add(`${OTHER_REPO}@${DIGEST}`);
    await service.exists(REPO, DIGEST);
    await service.exists(OTHER_REPO, DIGEST);

    await service.forget(DIGEST);

    expect(store.links.size).toBe(0);
    expect(store.calls.forgetDigest).toBe(1);
  });

  it('keeps the memberships of other blobs', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    backend.links.add(`${REPO}@${digestOf(2)}`);
    await service.exists(REPO, DIGEST);
    await service.exists(REPO, digestOf(2));

    await service.forget(DIGEST);

    expect([...store.links]).toEqual([`${REPO}@${digestOf(2)}`]);
  });

  it('rejects with the cache error when the memberships cannot be removed, after removing the meta', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);
    await service.stat(DIGEST);
    store.failing.add('forgetDigest');

    const error = await service.forget(DIGEST).catch((caught) => caught);

    expect(isUnavailableError(error)).toBe(true);
    expect(store.metas.has(DIGEST)).toBe(false);
  });
});

describe('read-through service: forget without the capability', () => {
  it('still removes the meta of a cache whose store cannot forget a digest', async () => {
    const metas = new Map<string, LayerMeta>();
    const cache = createLayerInfoCache({
      contains: () => false,
      add() {},
      remove: () => false,
      meta: (digest) => metas.get(digest),
      setMeta(digest, meta) {
        metas.set(digest, meta);
      },
      deleteMeta: (digest) => metas.delete(digest),
      clear() {},
    });
    const service = createCachedLayerService(cache, createScriptedBackend());
    await cache.setMeta(DIGEST, META);

    await service.forget(DIGEST);

    expect(cache.forgetDigest).toBeUndefined();
    expect(metas.size).toBe(0);
    await cache.close();
  });
});
