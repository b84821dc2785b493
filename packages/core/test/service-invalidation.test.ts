import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError, isUnavailableError } from '../src/index.js';
import { until } from './support/deferred.js';
import { createServiceFixture, DIGEST, META, OTHER_REPO, REPO } from './support/service-fixture.js';

// A registry calls invalidate/forget after deleting a link or a blob on its backend. A backend
// read that started before the delete may still answer "present"; if that late answer were
// written to the cache, the delete would be silently undone.
describe('read-through service: invalidate and forget', () => {
  it('invalidate removes the cached membership, so the next exists asks the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    await service.exists(REPO, DIGEST);

    backend.links.delete(`${REPO}@${DIGEST}`);
    await service.invalidate(REPO, DIGEST);

    expect(await store.cache.contains(REPO, DIGEST)).toBe(false);
    expect(await service.exists(REPO, DIGEST)).toBe(false);
    expect(backend.calls.exists).toBe(2);
  });

  it('invalidate leaves the membership of other repositories cached', async () => {
    const { service, store } = createServiceFixture();
    await store.cache.add(REPO, DIGEST);
    await store.cache.add(OTHER_REPO, DIGEST);

    await service.invalidate(REPO, DIGEST);

    expect(await store.cache.contains(OTHER_REPO, DIGEST)).toBe(true);
  });

  it('makes an exists fill in flight lose: its callers get the late answer, the cache gets nothing', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const gate = backend.hold();
    const racing = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 1);

    backend.links.delete(`${REPO}@${DIGEST}`);
    await service.invalidate(REPO, DIGEST);
    gate.resolve();

    expect(await racing).toBe(true);
    expect(store.calls.add).toBe(0);
    expect(await store.cache.contains(REPO, DIGEST)).toBe(false);
  });

  it('starts a fresh backend call for a caller arriving after invalidate, instead of joining the lost one', async () => {
    const { service, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const gate = backend.hold();
    const racing = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 1);

    backend.links.delete(`${REPO}@${DIGEST}`);
    await service.invalidate(REPO, DIGEST);
    const after = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 2);
    gate.resolve();

    expect(await racing).toBe(true);
    expect(await after).toBe(false);
  });

  it('invalidate waits for a fill write already in progress, so the delete lands last', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const write = store.pause('add');
    const filling = service.exists(REPO, DIGEST);
    await write.entered;

    backend.links.delete(`${REPO}@${DIGEST}`);
    let invalidated = false;
    const invalidation = service.invalidate(REPO, DIGEST).then(() => {
      invalidated = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(invalidated).toBe(false);
    expect(store.calls.remove).toBe(0);

    write.release();
    await invalidation;
    expect(await filling).toBe(true);
    expect(await store.cache.contains(REPO, DIGEST)).toBe(false);
  });

  it('invalidate waits for a fill write in progress even when every caller has aborted', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const write = store.pause('add');
    const caller = new AbortController();
    const filling = service.exists(REPO, DIGEST, { signal: caller.signal });
    await write.entered;

    caller.abort(new Error('client went away'));
    await expect(filling).rejects.toThrow('client went away');
    backend.links.delete(`${REPO}@${DIGEST}`);
    const invalidation = service.invalidate(REPO, DIGEST);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.calls.remove, 'the delete must wait for the write in progress').toBe(0);

    write.release();
    await invalidation;
    expect(await store.cache.contains(REPO, DIGEST)).toBe(false);
  });

  it('invalidate of one repository leaves an in-flight fill for another repository to write', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${OTHER_REPO}@${DIGEST}`);
    const gate = backend.hold();
    const other = service.exists(OTHER_REPO, DIGEST);
    await until(() => backend.calls.exists === 1);

    await service.invalidate(REPO, DIGEST);
    gate.resolve();

    expect(await other).toBe(true);
    expect(await store.cache.contains(OTHER_REPO, DIGEST)).toBe(true);
  });

  it('forget removes the cached meta, so the next stat asks the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);
    await service.stat(DIGEST);

    backend.metas.delete(DIGEST);
    await service.forget(DIGEST);

    expect(store.metas.has(DIGEST)).toBe(false);
    expect(await service.stat(DIGEST)).toBeUndefined();
    expect(backend.calls.stat).toBe(2);
  });

  it('makes a stat fill in flight lose when the blob is forgotten', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);
    const gate = backend.hold();
    const racing = service.stat(DIGEST);
    await until(() => backend.calls.stat === 1);

    backend.metas.delete(DIGEST);
    await service.forget(DIGEST);
    gate.resolve();

    expect(await racing).toEqual(META);
    expect(store.calls.setMeta).toBe(0);
    expect(store.metas.has(DIGEST)).toBe(false);
  });

  it('makes exists fills in flight for the forgotten blob lose in every repository', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    backend.links.add(`${OTHER_REPO}@${DIGEST}`);
    const gate = backend.hold();
    const racing = [service.exists(REPO, DIGEST), service.exists(OTHER_REPO, DIGEST)];
    await until(() => backend.calls.exists === 2);

    await service.forget(DIGEST);
    gate.resolve();

    expect(await Promise.all(racing)).toEqual([true, true]);
    expect(store.calls.add).toBe(0);
  });

  it('invalidate rejects with the cache error when the membership cannot be removed', async () => {
    const { service, store } = createServiceFixture();
    store.failing.add('remove');

    const error = await service.invalidate(REPO, DIGEST).catch((caught) => caught);

    expect(isUnavailableError(error)).toBe(true);
  });

  it('forget rejects with the cache error when the meta cannot be removed', async () => {
    const { service, store } = createServiceFixture();
    store.failing.add('deleteMeta');

    const error = await service.forget(DIGEST).catch((caught) => caught);

    expect(isUnavailableError(error)).toBe(true);
  });

  it('invalidate and forget reject invalid arguments before touching the cache', async () => {
    const { service, store } = createServiceFixture();

    const badRepo = await service.invalidate('/etc', DIGEST).catch((caught) => caught);
    const badDigest = await service.forget('sha256:XYZ').catch((caught) => caught);

    expect(isInvalidArgumentError(badRepo) && badRepo.argument).toBe('repo');
    expect(isInvalidArgumentError(badDigest) && badDigest.argument).toBe('digest');
    expect(store.calls.remove + store.calls.deleteMeta).toBe(0);
  });
});
