// What a meter costs the fastest adapter: the memory adapter beside a bare Map behind `async`,
// without a meter, with the OpenTelemetry API's no-op meter (no SDK installed) and with an SDK
// meter, interleaved rounds of the read-heavy mix at 64 in flight, in one run.
//
//   pnpm build && node tools/bench/scripts/meter-overhead.mjs [rounds]
import { createHash } from 'node:crypto';
import { createMemoryCache } from '@layercache/memory';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

const rounds = Number(process.argv[2] ?? 8);
const N = 10_000;
const digest = (i) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
const digests = Array.from({ length: N }, (_, i) => digest(i));
const misses = Array.from({ length: N }, (_, i) => digest(`miss-${i}`));
const repos = Array.from({ length: 100 }, (_, i) => `team/r${i}`);
const meta = { path: '/docker/registry/v2/blobs/sha256/00/00/data', length: 1 };

function bareMap() {
  const links = new Map();
  const metas = new Map();
  return {
    async contains(r, d) {
      return links.get(r)?.has(d) === true;
    },
    async add(r, d) {
      const set = links.get(r);
      if (set === undefined) links.set(r, new Set([d]));
      else set.add(d);
    },
    async meta(d) {
      return metas.get(d);
    },
    async setMeta(d, m) {
      metas.set(d, { path: m.path, length: m.length });
    },
  };
}
const asSubject = (cache) => ({
  contains: (r, d) => cache.contains(r, d),
  add: (r, d) => cache.add(r, d),
  meta: (d) => cache.meta(d).catch(() => undefined),
  setMeta: (d, m) => cache.setMeta(d, m),
});
const sdk = new MeterProvider({ readers: [] });
const subjects = {
  'Map behind async': bareMap(),
  'memory, no meter': asSubject(createMemoryCache()),
  'memory, API no-op meter': asSubject(createMemoryCache({ meter: metrics.getMeter('bench') })),
  'memory, SDK meter': asSubject(createMemoryCache({ meter: sdk.getMeter('bench') })),
};
for (const s of Object.values(subjects)) {
  for (let k = 0; k < N; k++) {
    await s.add(repos[k % 100], digests[k]);
    await s.setMeta(digests[k], meta);
  }
}

async function run(s, ms) {
  let next = 0;
  let done = 0;
  let stop = false;
  const start = performance.now();
  const end = start + ms;
  const call = (i) => {
    const k = (i * 7919) % N;
    const slot = i % 10;
    if (slot < 4) return s.contains(repos[k % 100], digests[k]);
    if (slot < 8) return s.meta(digests[k]);
    if (slot < 9) return s.contains(repos[k % 100], misses[k]);
    return s.setMeta(digests[k], meta);
  };
  const worker = async () => {
    while (!stop) {
      const i = next++;
      await call(i);
      done++;
      if ((i & 127) === 0 && performance.now() >= end) stop = true;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return (done * 1000) / (performance.now() - start);
}

const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
for (const s of Object.values(subjects)) await run(s, 200);
for (let round = 0; round < rounds; round++) {
  for (const [name, s] of Object.entries(subjects)) results[name].push(await run(s, 300));
}
const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];
const base = median(results['Map behind async']);
for (const [name, values] of Object.entries(results)) {
  const rate = median(values);
  console.log(
    `${name.padEnd(26)} ${(rate / 1000).toFixed(0).padStart(6)}k calls/s  ${(rate / base).toFixed(2)}×`,
  );
}
