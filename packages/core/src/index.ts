export { createLayerInfoCache, type LayerInfoCacheOptions } from './cache.js';
export { CACHE_METRICS, type CacheCallOutcome } from './cache-metrics.js';
export { DeadlineExceededError } from './deadline.js';
export {
  ClosedError,
  ErrorCode,
  InvalidArgumentError,
  isClosedError,
  isInvalidArgumentError,
  isLayerCacheError,
  isNotFoundError,
  isUnavailableError,
  LayerCacheError,
  type LayerCacheErrorCode,
  NotFoundError,
  UnavailableError,
} from './errors.js';
export {
  type AdapterOptions,
  describeValue,
  type IntegerConstraints,
  isWellFormedText,
  optionalBoolean,
  optionalChoice,
  optionalInteger,
  optionalMeter,
  optionalString,
  optionError,
  readOptions,
  suggestOption,
} from './options.js';
export {
  type BackendCallOutcome,
  type CacheOperation,
  SERVICE_METRICS,
  type ServiceOperation,
  type ServiceRequestOutcome,
} from './service/metrics.js';
export { createCachedLayerService } from './service/service.js';
export type {
  CachedLayerService,
  CachedLayerServiceOptions,
  CacheErrorContext,
  LayerBackend,
} from './service/types.js';
export type { LayerInfoStore, MaybePromise } from './store.js';
export type { CallOptions, LayerCacheEntry, LayerInfoCache, LayerMeta } from './types.js';
export {
  isValidDigest,
  isValidRepository,
  MAX_PATH_BYTES,
  MAX_REPOSITORY_LENGTH,
  SUPPORTED_DIGEST_ALGORITHMS,
  validateDigest,
  validateLayerMeta,
  validateRepository,
} from './validate.js';
