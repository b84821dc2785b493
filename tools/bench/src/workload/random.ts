/**
 * A seeded pseudo-random generator (mulberry32): the demo and the benchmark replay the same
 * requests in every run and on every machine, so "without cache" and "with cache" see the same
 * sequence and their answers can be compared one by one.
 *
 * @returns a function giving floats in [0, 1).
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomIndex(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
