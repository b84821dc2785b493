import { describeLayerInfoCache } from '@layercache/core/conformance';
import { createMemoryCache } from '../src/index.js';

describeLayerInfoCache('memory', () => createMemoryCache(), { forgetDigest: true, entries: true });
