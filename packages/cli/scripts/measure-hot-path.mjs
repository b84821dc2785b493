// Do the optional capabilities change what contains/meta cost? Compares the memory adapter's
// store without them on core as it was before (BASE_CORE: the dist of core built at the commit
// before this change) with the store with them on core now, in interleaved rounds, median ns
// per call.
//
//   git archive 1a7f83b packages/core tsconfig.base.json | tar -x -C /tmp/base   (then build it)
//   BASE_CORE=/tmp/base/packages/core/dist/index.js node packages/cli/scripts/measure-hot-path.mjs
import { createLayerInfoCache as createNow } from '@layercache/core';

const { createLayerInfoCache: createBefore } = process.env.BASE_CORE
  ? await import(process.env.BASE_CORE)
  : { createLayerInfoCache: createNow };

const N = 200_000;
const digests = Array.from(
  { length: 1000 },
  (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`,
);

// The memory adapter's store, with or without the two optional methods.
function cacheOver(capabilities) {
  const links = new Map();
  const metas = new Map();
  const createLayerInfoCache = capabilities ? createNow : createBefore;
  return createLayerInfoCache(
    {
      contains: (repo, digest) => links.get(repo)?.has(digest) === true,
      add(repo, digest) {
        const set = links.get(repo);
        if (set) set.add(digest);
        else links.set(repo, new Set([digest]));
      },
      remove: (repo, digest) => links.get(repo)?.delete(digest) === true,
      meta: (digest) => metas.get(digest),
      setMeta(digest, meta) {
        metas.set(digest, meta);
      },
      deleteMeta: (digest) => metas.delete(digest),
      clear() {
        links.clear();
        metas.clear();
      },
      ...(capabilities && { forgetDigest: () => 0, *entries() {} }),
    },
    { name: 'memory' },
  );
}

async function fill(cache) {
  for (const d of digests) {
    await cache.add('library/ubuntu', d);
    await cache.setMeta(d, { path: '/p', length: 1 });
  }
  return cache;
}

async function round(cache) {
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const d = digests[i % digests.length];
    await cache.contains('library/ubuntu', d);
    await cache.meta(d);
  }
  return ((performance.now() - started) * 1e6) / (2 * N);
}

const caches = { without: await fill(cacheOver(false)), with: await fill(cacheOver(true)) };
const times = { without: [], with: [] };
for (let r = 0; r < 15; r++) {
  for (const name of r % 2 ? ['with', 'without'] : ['without', 'with'])
    times[name].push(await round(caches[name]));
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const label = {
  without: 'before: core and store without capabilities',
  with: 'now: core and store with capabilities',
};
for (const name of ['without', 'with']) {
  console.log(
    `${label[name]}: ${median(times[name]).toFixed(1)} ns per contains/meta (median of 15 rounds)`,
  );
}
console.log(`ratio now/before: ${(median(times.with) / median(times.without)).toFixed(3)}`);
