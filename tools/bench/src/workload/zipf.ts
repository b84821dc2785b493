/**
 * Samples ranks 0..n-1 with Zipf-like popularity: rank k is drawn with probability proportional
 * to 1 / (k + 1)^skew. With skew ≈ 1 a handful of images take most pulls, as on a real registry.
 * Built once (a cumulative table) and then sampled by binary search: O(log n) per draw.
 *
 * @example
 * ```ts
 * const zipf = createZipfSampler(200, 1.1, createRandom(1));
 * zipf(); // 0 far more often than 199
 * ```
 */
export function createZipfSampler(n: number, skew: number, random: () => number): () => number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!(skew >= 0)) throw new RangeError(`skew must be ≥ 0, got ${skew}`);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / (k + 1) ** skew;
    cumulative[k] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! > target) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}
