import { describe, expect, it } from 'vitest';
import { createCachedLayerService } from '../src/index.js';
import { defer, until } from './support/deferred.js';
import { createServiceFixture, DIGEST, META, REPO } from './support/service-fixture.js';

describe('read-through service: abort', () => {
  it('rejects an aborted waiter at once with its reason and serves the others', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.links.add(`${REPO}@${DIGEST}`);
    const gate = backend.hold();
    const leaving = new AbortController();
    const staying = new AbortController();

    const left = service.exists(REPO, DIGEST, { signal: leaving.signal });
    const served = service.exists(REPO, DIGEST, { signal: staying.signal });
    const plain = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 1 && store.calls.contains === 3);
    const reason = new Error('client went away');
    leaving.abort(reason);

    // Rejected while the backend call is still held.
    await expect(left).rejects.toBe(reason);
    expect(backend.signals[0]?.aborted).toBe(false);

    gate.resolve();
    expect(await Promise.all([served, plain])).toEqual([true, true]);
    expect(backend.calls.exists).toBe(1);
    expect(store.calls.add).toBe(1);
  });

  it('aborts the shared backend call only when every waiter has aborted', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.hold();
    const first = new AbortController();
    const second = new AbortController();

    const answers = [
      service.stat(DIGEST, { signal: first.signal }),
      service.stat(DIGEST, { signal: second.signal }),
    ];
    await until(() => backend.calls.stat === 1 && store.calls.meta === 2);
    first.abort(new Error('first gone'));
    await expect(answers[0]).rejects.toThrow('first gone');
    expect(backend.signals[0]?.aborted).toBe(false);

    second.abort(new Error('second gone'));
    await expect(answers[1]).rejects.toThrow('second gone');
    expect(backend.signals[0]?.aborted).toBe(true);
  });

  it('starts a fresh backend call for a caller arriving after every waiter aborted', async () => {
    const { service, store, backend } = createServiceFixture();
    const gate = backend.hold();
    const controller = new AbortController();
    const abandoned = service.exists(REPO, DIGEST, { signal: controller.signal });
    await until(() => backend.calls.exists === 1);
    controller.abort();
    await expect(abandoned).rejects.toBe(controller.signal.reason);

    backend.links.add(`${REPO}@${DIGEST}`);
    const fresh = service.exists(REPO, DIGEST);
    await until(() => backend.calls.exists === 2);
    gate.resolve();

    expect(await fresh).toBe(true);
    expect(backend.signals[1]?.aborted).toBe(false);
    expect(store.calls.add).toBe(1);
  });

  it('writes nothing from a call every waiter abandoned, even if the backend still answers', async () => {
    const { service, store, backend } = createServiceFixture();
    backend.honoursAbort = false;
    backend.metas.set(DIGEST, META);
    const gate = backend.hold();
    const controller = new AbortController();
    const abandoned = service.stat(DIGEST, { signal: controller.signal });
    await until(() => backend.calls.stat === 1);
    controller.abort();
    await expect(abandoned).rejects.toBe(controller.signal.reason);

    gate.resolve();
    await until(() => backend.answered === 1);
    // One more turn: a fill write would have started from the answer's promise reactions.
    await new Promise((resolve) => setImmediate(resolve));
    expect(backend.signals[0]?.aborted).toBe(true);
    expect(store.calls.setMeta).toBe(0);
  });

  it('gives a backend that reads its signal late an already aborted one once every caller left', async () => {
    const { store } = createServiceFixture();
    const gate = defer();
    let called = 0;
    let seen: AbortSignal | undefined;
    const service = createCachedLayerService(store.cache, {
      async exists(_repo, _digest, options) {
        called += 1;
        await gate.promise;
        seen = options?.signal;
        return true;
      },
      stat: async () => undefined,
    });
    const controller = new AbortController();
    const reason = new Error('caller left');
    const call = service.exists(REPO, DIGEST, { signal: controller.signal });
    await until(() => called === 1);
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);

    gate.resolve();
    await until(() => seen !== undefined);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
  });

  it('rejects an already aborted call without asking the cache or the backend', async () => {
    const { service, store, backend } = createServiceFixture();
    const controller = new AbortController();
    controller.abort(new Error('too late'));

    await expect(service.exists(REPO, DIGEST, { signal: controller.signal })).rejects.toThrow(
      'too late',
    );
    await expect(service.stat(DIGEST, { signal: controller.signal })).rejects.toThrow('too late');
    expect(store.calls.contains + store.calls.meta).toBe(0);
    expect(backend.calls).toEqual({ exists: 0, stat: 0 });
  });

  it('rejects a caller aborted during a slow cache lookup with its reason, without asking the backend', async () => {
    const { service, store, backend, reported } = createServiceFixture();
    const pause = store.pause('contains');
    const controller = new AbortController();
    const call = service.exists(REPO, DIGEST, { signal: controller.signal });
    await pause.entered;

    controller.abort(new Error('gone while the cache thought'));
    await expect(call).rejects.toThrow('gone while the cache thought');
    pause.release();
    expect(backend.calls.exists).toBe(0);
    expect(reported).toEqual([]);
  });
});
