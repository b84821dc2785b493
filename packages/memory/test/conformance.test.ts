import { describeLayerInfoCache } from '@layercache/core/conformance';
import { createMemoryCache } from '../src/index.js';

describeLayerInfoCache('memory', ({ meter }) => createMemoryCache({ meter }), {
  metrics: true,
  forgetDigest: true,
  entries: true,
});
