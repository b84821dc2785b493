import { metrics } from '@opentelemetry/api';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCachedLayerService, SERVICE_METRICS } from '../src/index.js';
import { backendFailure } from './support/backend.js';
import { until } from './support/deferred.js';
import { createMapStore } from './support/map-store.js';
import { createTestMeter } from './support/metrics.js';
import { createServiceFixture, DIGEST, digestOf, META, REPO } from './support/service-fixture.js';

const op = (operation: string, extra: Record<string, string> = {}) => ({
  'layercache.operation': operation,
  ...extra,
});
const outcome = (operation: string, value: string) =>
  op(operation, { 'layercache.outcome': value });

// One of every kind of request, so that each counter below has something to count exactly.
async function runEveryKindOfRequest() {
  const fixture = createServiceFixture();
  const { service, store, backend } = fixture;
  await store.cache.add(REPO, digestOf(1));
  backend.links.add(`${REPO}@${digestOf(2)}`);
  backend.metas.set(digestOf(1), META);

  await service.exists(REPO, digestOf(1)); // hit
  await service.exists(REPO, digestOf(2)); // miss, found, written
  await service.exists(REPO, digestOf(2)); // hit
  await service.exists(REPO, digestOf(3)); // miss, not found
  await service.stat(digestOf(1)); // miss, found, written
  await service.stat(digestOf(1)); // hit
  store.failing.add('contains');
  await service.exists(REPO, digestOf(3)); // cache error, not found
  store.failing.delete('contains');
  backend.failure = backendFailure();
  await service.stat(digestOf(4)).catch(() => {}); // miss, backend error
  backend.failure = undefined;
  await service.exists(REPO, digestOf(5), { signal: AbortSignal.abort() }).catch(() => {});
  await service.invalidate(REPO, digestOf(2)); // ok
  store.failing.add('deleteMeta');
  await service.forget(digestOf(1)).catch(() => {}); // cache error
  return fixture;
}

describe('read-through service: metrics', () => {
  it('counts requests by operation and outcome', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();
    const requests = (operation: string, value: string) =>
      read.sum(SERVICE_METRICS.requests, outcome(operation, value));

    expect(requests('exists', 'hit')).toBe(2);
    expect(requests('exists', 'miss')).toBe(2);
    expect(requests('exists', 'cache_error')).toBe(1);
    expect(requests('exists', 'aborted')).toBe(1);
    expect(requests('stat', 'hit')).toBe(1);
    expect(requests('stat', 'miss')).toBe(1);
    expect(requests('stat', 'error')).toBe(1);
    expect(requests('invalidate', 'ok')).toBe(1);
    expect(requests('forget', 'error')).toBe(1);
    expect(read.sum(SERVICE_METRICS.requests)).toBe(11);
  });

  it('counts cache hits and misses of lookups per operation', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();

    expect(read.sum(SERVICE_METRICS.hits, op('exists'))).toBe(2);
    expect(read.sum(SERVICE_METRICS.misses, op('exists'))).toBe(2);
    expect(read.sum(SERVICE_METRICS.hits, op('stat'))).toBe(1);
    expect(read.sum(SERVICE_METRICS.misses, op('stat'))).toBe(2);
  });

  it('counts cache errors by the cache operation that failed', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();
    const cacheErrors = (operation: string, cacheOperation: string) =>
      read.sum(
        SERVICE_METRICS.cacheErrors,
        op(operation, { 'layercache.cache_operation': cacheOperation }),
      );

    expect(cacheErrors('exists', 'contains')).toBe(1);
    expect(cacheErrors('forget', 'deleteMeta')).toBe(1);
    expect(read.sum(SERVICE_METRICS.cacheErrors)).toBe(2);
  });

  it('counts a failed fill write as a cache error of the request that made it', async () => {
    const { service, store, backend, telemetry } = createServiceFixture();
    store.failing.add('setMeta');
    backend.metas.set(DIGEST, META);
    await service.stat(DIGEST);
    const read = await telemetry.collect();

    expect(
      read.sum(
        SERVICE_METRICS.cacheErrors,
        op('stat', { 'layercache.cache_operation': 'setMeta' }),
      ),
    ).toBe(1);
    expect(read.sum(SERVICE_METRICS.requests, outcome('stat', 'miss'))).toBe(1);
  });

  it('counts backend calls by operation and outcome', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();
    const calls = (operation: string, value: string) =>
      read.sum(SERVICE_METRICS.backendCalls, outcome(operation, value));

    expect(calls('exists', 'found')).toBe(1);
    expect(calls('exists', 'not_found')).toBe(2);
    expect(calls('stat', 'found')).toBe(1);
    expect(calls('stat', 'error')).toBe(1);
    expect(read.sum(SERVICE_METRICS.backendCalls)).toBe(5);
  });

  it('counts a backend call shared by concurrent misses once', async () => {
    const { service, store, backend, telemetry } = createServiceFixture();
    const gate = backend.hold();
    const answers = Array.from({ length: 10 }, () => service.exists(REPO, DIGEST));
    await until(() => store.calls.contains === 10);
    gate.resolve();
    await Promise.all(answers);
    const read = await telemetry.collect();

    expect(read.sum(SERVICE_METRICS.backendCalls)).toBe(1);
    expect(read.sum(SERVICE_METRICS.requests, outcome('exists', 'miss'))).toBe(10);
    expect(read.sum(SERVICE_METRICS.misses)).toBe(10);
  });

  it('counts a backend call every waiter abandoned as aborted', async () => {
    const { service, backend, telemetry } = createServiceFixture();
    backend.hold();
    const controller = new AbortController();
    const call = service.stat(DIGEST, { signal: controller.signal });
    await until(() => backend.calls.stat === 1);
    controller.abort();
    await call.catch(() => {});
    await until(() => backend.signals[0]?.aborted === true);
    await new Promise((resolve) => setImmediate(resolve));
    const read = await telemetry.collect();

    expect(read.sum(SERVICE_METRICS.backendCalls, outcome('stat', 'aborted'))).toBe(1);
    expect(read.sum(SERVICE_METRICS.requests, outcome('stat', 'aborted'))).toBe(1);
  });

  it('records the duration of every request, in seconds, with the same attributes', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();

    expect(read.count(SERVICE_METRICS.duration)).toBe(11);
    expect(read.count(SERVICE_METRICS.duration, outcome('exists', 'hit'))).toBe(2);
    expect(read.count(SERVICE_METRICS.duration, outcome('forget', 'error'))).toBe(1);
    // Seconds, not milliseconds: these in-memory requests all took far less than one second.
    expect(read.max(SERVICE_METRICS.duration)).toBeLessThan(1);
    // Buckets advised for seconds, from 10 µs to 10 s, instead of the SDK's millisecond defaults.
    expect(read.boundaries(SERVICE_METRICS.duration)).toContain(0.00001);
    expect(read.boundaries(SERVICE_METRICS.duration).at(-1)).toBe(10);
  });

  it('records under the documented instrument names only', async () => {
    const { telemetry } = await runEveryKindOfRequest();
    const read = await telemetry.collect();

    expect(new Set(read.names)).toEqual(new Set(Object.values(SERVICE_METRICS)));
  });

  it('records through the global meter provider by default, under the scope @layercache/core', async () => {
    const telemetry = createTestMeter();
    metrics.setGlobalMeterProvider(telemetry.provider);
    const store = createMapStore();
    onTestFinished(async () => {
      metrics.disable();
      await store.cache.close();
      await telemetry.shutdown();
    });
    const service = createCachedLayerService(store.cache, {
      exists: async () => true,
      stat: async () => undefined,
    });

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    const read = await telemetry.collect();
    expect(read.scopes).toEqual(['@layercache/core']);
    expect(read.sum(SERVICE_METRICS.requests, outcome('exists', 'miss'))).toBe(1);
  });

  it('works without an OpenTelemetry SDK installed', async () => {
    const store = createMapStore();
    onTestFinished(() => store.cache.close());
    const service = createCachedLayerService(store.cache, {
      exists: async () => true,
      stat: async () => META,
    });

    expect(await service.exists(REPO, DIGEST)).toBe(true);
    expect(await service.stat(DIGEST)).toEqual(META);
    expect(await service.exists(REPO, DIGEST)).toBe(true);
  });
});
