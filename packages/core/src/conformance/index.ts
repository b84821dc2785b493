/**
 * The layercache conformance suite: every adapter in this repository runs it, and so can yours.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts of your adapter
 * import { describeLayerInfoCache } from '@layercache/core/conformance';
 * import { createMyCache } from '../src/index.js';
 *
 * describeLayerInfoCache('my-adapter', ({ storageId, ttlMs }) => createMyCache({ name: storageId, ttlMs }), {
 *   durable: true,
 *   ttl: true,
 * });
 * ```
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of `@layercache/core`).
 * @packageDocumentation
 */
import { describe } from 'vitest';
import { capabilityChecks } from './capabilities.js';
import { concurrencyChecks } from './concurrency.js';
import { digestChecks } from './digests.js';
import { durabilityChecks } from './durability.js';
import { faultChecks } from './faults.js';
import { createHarness } from './harness.js';
import { lifecycleChecks } from './lifecycle.js';
import { membershipChecks } from './membership.js';
import { metricsChecks } from './metrics.js';
import { modelChecks } from './model.js';
import { roundTripChecks } from './roundtrip.js';
import { scaleChecks } from './scale.js';
import { sharedChecks } from './shared.js';
import { ttlChecks } from './ttl.js';
import type { ConformanceCapabilities, ConformanceFactory } from './types.js';
import { validationChecks } from './validation.js';

export { confusableDigests, digest } from './fixtures.js';
export type {
  ConformanceCapabilities,
  ConformanceContext,
  ConformanceFactory,
  ConformanceOperation,
  FaultsCapability,
  SharedCapability,
} from './types.js';
export { BAD_DIGESTS, BAD_METAS, BAD_REPOSITORIES } from './validation.js';

/**
 * Registers the whole conformance suite as vitest tests under `describe(name)`.
 *
 * `factory` is called once per test (and per model-based run) and must return an empty cache;
 * the suite closes every cache it gets. Capabilities the adapter does not declare are reported
 * as skipped tests, never passed silently.
 */
export function describeLayerInfoCache(
  name: string,
  factory: ConformanceFactory,
  capabilities: ConformanceCapabilities = {},
): void {
  describe(`LayerInfoCache conformance: ${name}`, () => {
    const h = createHarness(name, factory, capabilities);
    membershipChecks(h);
    digestChecks(h);
    scaleChecks(h);
    validationChecks(h);
    roundTripChecks(h);
    concurrencyChecks(h);
    lifecycleChecks(h);
    durabilityChecks(h);
    ttlChecks(h);
    faultChecks(h);
    sharedChecks(h);
    modelChecks(h);
    metricsChecks(h);
    capabilityChecks(h);
  });
}
