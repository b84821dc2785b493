import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError } from '../src/index.js';
import { backendFailure } from './support/backend.js';
import { createServiceFixture, DIGEST, META, REPO } from './support/service-fixture.js';

describe('read-through service: stat', () => {
  it('returns a cached meta without asking the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    await store.cache.setMeta(DIGEST, META);

    expect(await service.stat(DIGEST)).toEqual(META);
    expect(backend.calls.stat).toBe(0);
  });

  it('asks the backend on a miss and caches the meta it returns', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);

    expect(await service.stat(DIGEST)).toEqual(META);
    expect(await store.cache.meta(DIGEST)).toEqual(META);

    expect(await service.stat(DIGEST)).toEqual(META);
    expect(backend.calls.stat).toBe(1);
  });

  it('never caches an unknown blob: every miss asks the backend again', async () => {
    const { service, store, backend } = createServiceFixture();

    expect(await service.stat(DIGEST)).toBeUndefined();
    expect(await service.stat(DIGEST)).toBeUndefined();
    expect(backend.calls.stat).toBe(2);
    expect(store.calls.setMeta).toBe(0);
  });

  it('does not imply membership: a cached meta leaves exists to the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);
    await service.stat(DIGEST);

    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(0);
  });

  it('passes a backend error to the caller unchanged and caches nothing', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    const failure = backendFailure();
    backend.failure = failure;

    await expect(service.stat(DIGEST)).rejects.toBe(failure);
    expect(store.calls.setMeta).toBe(0);
    expect(reported).toEqual([]);
  });

  it('rejects an invalid digest before the cache or the backend is asked', async () => {
    const { service, store, backend } = createServiceFixture();

    const error = await service.stat('md5:abc').catch((caught) => caught);

    expect(isInvalidArgumentError(error) && error.argument).toBe('digest');
    expect(store.calls.meta).toBe(0);
    expect(backend.calls.stat).toBe(0);
  });

  it('returns the backend meta to the caller even when the cache refuses to store it', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    const unstorable = { path: '', length: 3 };
    backend.metas.set(DIGEST, unstorable);

    expect(await service.stat(DIGEST)).toBe(unstorable);
    expect(store.metas.size).toBe(0);
    expect(reported.map(({ context }) => context)).toEqual([
      { operation: 'setMeta', digest: DIGEST },
    ]);
    expect(isInvalidArgumentError(reported[0]?.error)).toBe(true);
  });
});
