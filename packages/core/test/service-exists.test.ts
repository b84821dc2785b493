import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError } from '../src/index.js';
import { backendFailure } from './support/backend.js';
import {
  createServiceFixture,
  DIGEST,
  digestOf,
  OTHER_REPO,
  REPO,
} from './support/service-fixture.js';

describe('read-through service: exists', () => {
  it('answers a cached membership without asking the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    await store.cache.add(REPO, DIGEST);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(0);
  });

  it('asks the backend on a miss and caches a positive answer', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(1);
    expect(await store.cache.contains(REPO, DIGEST)).toBe(true);

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(1);
  });

  it('never caches a negative answer: every miss asks the backend again', async () => {
    const { service, store, backend } = createServiceFixture();

    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(backend.calls.exists).toBe(2);
    expect(store.calls.add).toBe(0);
    expect(store.links.size).toBe(0);
  });

  it('sees a link the backend gained after a negative answer', async () => {
    const { service, backend } = createServiceFixture();
    expect(await service.exists(REPO, DIGEST)).toBe(false);

    backend.links.add(`${REPO}@${DIGEST}`);
    expect(await service.exists(REPO, DIGEST)).toBe(true);
  });

  it('keeps membership per repository: a cached link does not answer for another repository', async () => {
    const { service, store, backend } = createServiceFixture();
    await store.cache.add(REPO, DIGEST);

    expect(await service.exists(OTHER_REPO, DIGEST)).toBe(false);
    expect(backend.calls.exists).toBe(1);
  });

  it('treats only an exact true from the backend as membership', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.exists = async () => 'yes' as unknown as boolean;

    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(store.calls.add).toBe(0);
  });

  it('passes a backend error to the caller unchanged and caches nothing', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    const failure = backendFailure();
    backend.failure = failure;

    await expect(service.exists(REPO, DIGEST)).rejects.toBe(failure);
    expect(store.calls.add).toBe(0);
    expect(reported).toEqual([]);
  });

  it('passes an error the backend throws synchronously to the caller unchanged', async () => {
    const { service, backend } = createServiceFixture();
    const failure = backendFailure();
    backend.exists = () => {
      throw failure;
    };

    await expect(service.exists(REPO, DIGEST)).rejects.toBe(failure);
  });

  it('rejects an invalid repository or digest before the cache or the backend is asked', async () => {
    const { service, store, backend } = createServiceFixture();

    const badRepo = await service.exists('Library/Ubuntu', DIGEST).catch((error) => error);
    const badDigest = await service.exists(REPO, 'sha256:abc').catch((error) => error);

    expect(isInvalidArgumentError(badRepo) && badRepo.argument).toBe('repo');
    expect(isInvalidArgumentError(badDigest) && badDigest.argument).toBe('digest');
    expect(store.calls.contains).toBe(0);
    expect(backend.calls.exists).toBe(0);
  });

  it('answers different digests independently', async () => {
    const { service, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${digestOf(2)}`);

    expect(await service.exists(REPO, digestOf(2))).toBe(true);
    expect(await service.exists(REPO, digestOf(3))).toBe(false);
    expect(backend.calls.exists).toBe(2);
  });
});
