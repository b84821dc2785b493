import { onTestFinished } from 'vitest';
import {
  type CachedLayerService,
  type CachedLayerServiceOptions,
  type CacheErrorContext,
  createCachedLayerService,
  type LayerMeta,
} from '../../src/index.js';
import { createScriptedBackend, type ScriptedBackend } from './backend.js';
import { createMapStore, type MapStore } from './map-store.js';
import { createTestMeter, type TestMeter } from './metrics.js';

export const REPO = 'library/ubuntu';
export const OTHER_REPO = 'library/debian';

/** A valid sha256 digest, distinct for every `n`. */
export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

export const DIGEST = digestOf(1);
export const META: LayerMeta = Object.freeze({
  path: '/docker/registry/v2/blobs/sha256/00/0001/data',
  length: 2_811_478,
});

export interface ServiceFixture {
  readonly service: CachedLayerService;
  readonly store: MapStore;
  readonly backend: ScriptedBackend;
  readonly telemetry: TestMeter;
  /** Every call of `onError`, in order. */
  readonly reported: Array<{ error: unknown; context: CacheErrorContext }>;
}

/**
 * A service over a Map store (through core's real wrapper) and a scripted backend, recording
 * into a real OpenTelemetry SDK. The cache and the meter provider close when the test ends.
 */
export function createServiceFixture(
  options: Omit<CachedLayerServiceOptions, 'meter'> = {},
): ServiceFixture {
  const store = createMapStore();
  const backend = createScriptedBackend();
  const telemetry = createTestMeter();
  const reported: ServiceFixture['reported'] = [];
  const service = createCachedLayerService(store.cache, backend, {
    onError: (error, context) => {
      reported.push({ error, context });
      options.onError?.(error, context);
    },
    meter: telemetry.meter,
  });
  onTestFinished(async () => {
    await store.cache.close();
    await telemetry.shutdown();
  });
  return { service, store, backend, telemetry, reported };
}
