/**
 * Histogram bucket boundaries, in seconds, for every layercache duration: an in-process hit takes
 * a microsecond, a network round trip a fraction of a millisecond, an object-storage call tens of
 * milliseconds, a call that times out seconds. The SDK's default boundaries (0, 5, 10, 25 … 10000)
 * suit milliseconds and would put every measurement in seconds into the first bucket.
 */
export const DURATION_BUCKETS_S: readonly number[] = Object.freeze([
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
