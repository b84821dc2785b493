import { describeLayerInfoCache } from '@layercache/core/conformance';
import { createLruCache } from '../src/index.js';

// Roomy enough that the contract checks never see an eviction: eviction has its own tests.
describeLayerInfoCache('lru', ({ ttlMs, meter }) => createLruCache({ max: 10_000, ttlMs, meter }), {
  ttl: true,
  metrics: true,
  forgetDigest: true,
  entries: true,
});

// The same contract when bytes, not entries, are the binding bound.
describeLayerInfoCache(
  'lru bounded by bytes',
  ({ ttlMs }) => createLruCache({ max: Number.POSITIVE_INFINITY, maxSize: 8 * 1024 * 1024, ttlMs }),
  { ttl: true, forgetDigest: true, entries: true },
);
