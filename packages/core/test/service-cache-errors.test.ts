import { describe, expect, it } from 'vitest';
import { createCachedLayerService, isUnavailableError } from '../src/index.js';
import { STORE_FAILURE_MESSAGE } from './support/map-store.js';
import { createServiceFixture, DIGEST, META, REPO } from './support/service-fixture.js';

// A cache error is not a miss: the service reports it, lets the backend answer, and writes
// nothing in that call (writing while the cache fails amplified outages in the Go registry).
describe('read-through service: cache errors', () => {
  it('answers exists from the backend when the cache lookup fails, writes nothing and reports it', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    store.failing.add('contains');
    backend.links.add(`${REPO}@${DIGEST}`);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(0);
    expect(reported.map(({ context }) => context)).toEqual([
      { operation: 'contains', repo: REPO, digest: DIGEST },
    ]);
    const error = reported[0]!.error;
    expect(isUnavailableError(error) && error.cause).toEqual(new Error(STORE_FAILURE_MESSAGE));
  });

  it('answers stat from the backend when the cache lookup fails, writes nothing and reports it', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    store.failing.add('meta');
    backend.metas.set(DIGEST, META);

    expect(await service.stat(DIGEST)).toEqual(META);
    expect(backend.calls.stat).toBe(1);
    expect(store.calls.setMeta).toBe(0);
    expect(reported.map(({ context }) => context)).toEqual([{ operation: 'meta', digest: DIGEST }]);
  });

  it('answers negative exists correctly when the cache fails', async () => {
    const { service, store, backend } = createServiceFixture();
    store.failing.add('contains');

    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(backend.calls.exists).toBe(1);
  });

  it('returns the backend answer to exists when the fill write fails, and reports the failure', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    store.failing.add('add');
    backend.links.add(`${REPO}@${DIGEST}`);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(store.calls.add).toBe(1);
    expect(reported.map(({ context }) => context)).toEqual([
      { operation: 'add', repo: REPO, digest: DIGEST },
    ]);
  });

  it('returns the backend answer to stat when the fill write fails, and reports the failure', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    store.failing.add('setMeta');
    backend.metas.set(DIGEST, META);

    expect(await service.stat(DIGEST)).toEqual(META);
    expect(store.calls.setMeta).toBe(1);
    expect(reported.map(({ context }) => context)).toEqual([
      { operation: 'setMeta', digest: DIGEST },
    ]);
  });

  it('falls back to the backend when the cache is closed', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    await store.cache.close();

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(reported.map(({ context }) => context.operation)).toEqual(['contains']);
  });

  it('still answers when onError itself throws', async () => {
    const { service, store, backend, reported } = createServiceFixture({
      onError: () => {
        throw new Error('broken reporter');
      },
    });
    store.failing.add('contains');
    backend.links.add(`${REPO}@${DIGEST}`);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(reported).toHaveLength(1);
  });

  it('absorbs cache errors when no onError is given', async () => {
    const { store, backend } = createServiceFixture();
    const service = createCachedLayerService(store.cache, backend);
    store.failing.add('contains');
    store.failing.add('add');
    backend.links.add(`${REPO}@${DIGEST}`);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    store.failing.delete('contains');
    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(store.calls.add).toBe(1);
  });

  it('serves from the cache again once it recovers', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    store.failing.add('contains');
    await service.exists(REPO, DIGEST);
    store.failing.delete('contains');

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(2);
  });
});
