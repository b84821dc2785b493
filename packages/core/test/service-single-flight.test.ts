import { describe, expect, it } from 'vitest';
import { backendFailure } from './support/backend.js';
import { until } from './support/deferred.js';
import { createServiceFixture, DIGEST, digestOf, META, REPO } from './support/service-fixture.js';

describe('read-through service: concurrent misses share one backend call', () => {
  it('makes one backend call for 100 concurrent exists of a missing key', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const gate = backend.hold();

    const answers = Array.from({ length: 100 }, () => service.exists(REPO, DIGEST));
    await until(() => backend.calls.exists === 1 && store.calls.contains === 100);
    gate.resolve();

    expect(await Promise.all(answers)).toEqual(Array(100).fill(true));
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(1);
  });

  it('makes one backend call for concurrent stat of a missing digest', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.metas.set(DIGEST, META);
    const gate = backend.hold();

    const answers = Array.from({ length: 20 }, () => service.stat(DIGEST));
    await until(() => store.calls.meta === 20);
    gate.resolve();

    expect(await Promise.all(answers)).toEqual(Array(20).fill(META));
    expect(backend.calls.stat).toBe(1);
    expect(store.calls.setMeta).toBe(1);
  });

  it('shares a negative answer without caching it', async () => {
    const { service, store, backend } = createServiceFixture();
    const gate = backend.hold();

    const answers = Array.from({ length: 10 }, () => service.exists(REPO, DIGEST));
    await until(() => store.calls.contains === 10);
    gate.resolve();

    expect(await Promise.all(answers)).toEqual(Array(10).fill(false));
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(0);
  });

  it('gives every waiter the shared backend error, unchanged', async () => {
    const { service, store, backend } = createServiceFixture();
    const gate = backend.hold();
    const failure = backendFailure();

    const answers = Array.from({ length: 5 }, () =>
      service.exists(REPO, DIGEST).then(
        () => 'resolved',
        (error: unknown) => error,
      ),
    );
    await until(() => backend.calls.exists === 1 && store.calls.contains === 5);
    gate.reject(failure);

    for (const answer of await Promise.all(answers)) expect(answer).toBe(failure);
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(0);
  });

  it('keeps nothing once the shared call settled: the next miss asks the backend again', async () => {
    const { service, backend } = createServiceFixture();
    const gate = backend.hold();
    const first = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 1);
    gate.resolve();
    expect(await first).toBe(false);

    backend.links.add(`${REPO}@${DIGEST}`);
    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(backend.calls.exists).toBe(2);
  });

  it('keeps nothing after a shared error: the next call asks the backend again', async () => {
    const { service, backend } = createServiceFixture();
    backend.failure = backendFailure();
    await expect(service.stat(DIGEST)).rejects.toBe(backend.failure);

    backend.failure = undefined;
    backend.metas.set(DIGEST, META);
    expect(await service.stat(DIGEST)).toEqual(META);
    expect(backend.calls.stat).toBe(2);
  });

  it('does not share calls between different keys', async () => {
    const { service, backend } = createServiceFixture();
    const gate = backend.hold();

    const answers = [
      service.exists(REPO, digestOf(2)),
      service.exists('library/alpine', digestOf(2)),
      service.exists(REPO, digestOf(3)),
      service.stat(digestOf(2)),
    ];
    await until(() => backend.calls.exists === 3 && backend.calls.stat === 1);
    gate.resolve();
    await Promise.all(answers);

    expect(backend.calls).toEqual({ exists: 3, stat: 1 });
  });

  it('writes nothing from a shared call that one waiter reached through a cache error', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const gate = backend.hold();

    const healthy = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 1);
    store.failing.add('contains');
    const degraded = service.exists(REPO, DIGEST);
    await until(() => reported.length === 1);
    gate.resolve();

    expect(await Promise.all([healthy, degraded])).toEqual([true, true]);
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(0);
  });
});
