import { getHeapStatistics } from 'node:v8';
import type { AdapterModule, RunContext, Subject } from '../adapters/types.js';
import { cacheSubject } from '../adapters/types.js';
import { heapUsed } from '../bench/footprint.js';
import type { Progress } from '../cli/progress.js';
import { runClosedLoop } from '../measure/closed-loop.js';
import { LatencyRecorder } from '../measure/latency.js';
import {
  DISTRIBUTIONS,
  type Distribution,
  digestAt,
  type KeySpace,
  keySequence,
  membershipOrder,
  metaAt,
  metaOrder,
  SEQUENCE_MASK,
} from './keyspace.js';
import type { ScaleRun, ScaleSubjectResult, ScaleThroughput } from './results.js';

/** Calls in flight while measuring (the figure). */
export const CONCURRENCY = 64;
/**
 * Calls in flight while preloading: enough that the SQLite adapter's tick batches fill up (it
 * commits every write queued in one tick in one transaction, up to 512).
 */
export const PRELOAD_CONCURRENCY = 1024;
/** Keys preloaded per chunk (and per transaction for subjects with a bulk path). */
const CHUNK = 100_000;
/**
 * Heap a key costs an in-process subject pair (adapter + raw, membership + meta, with the
 * benchmark's own arrays), measured at 1M with room to spare: what decides the largest size.
 */
const HEAP_BYTES_PER_KEY = 1_600;

/** Options of {@link measureSize}. */
export interface MeasureSizeOptions {
  readonly module: AdapterModule;
  readonly keys: KeySpace;
  readonly context: RunContext;
  readonly durationMs: number;
  readonly rounds: number;
  readonly progress: Progress;
  /** Subjects alive now, closed by the caller on Ctrl-C. */
  readonly live: Map<string, Subject>;
  readonly id: string;
}

/**
 * Why an in-process adapter cannot run at `size` on this heap, or `undefined` when it can.
 */
export function heapRefusal(module: AdapterModule, size: number): string | undefined {
  if (module.name !== 'memory' && module.name !== 'lru') return undefined;
  const limit = getHeapStatistics().heap_size_limit;
  const needed = size * HEAP_BYTES_PER_KEY;
  if (needed <= limit * 0.8) return undefined;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  return `needs ~${gib(needed)} GiB of V8 heap for the adapter and its raw backend, the limit is ${gib(limit)} GiB (node --max-old-space-size raises it)`;
}

/**
 * Preloads the adapter and its raw backend with `size` memberships and metas each (reading the
 * footprint between the phases), checks they answer right, then measures the read-heavy mix at
 * concurrency 64 with uniform and Zipf keys, interleaved round by round.
 */
export async function measureSize(options: MeasureSizeOptions): Promise<ScaleRun> {
  const { module, keys, context, durationMs, rounds, progress, live, id } = options;
  const label = `layercache ${module.name}`;
  const subjects: Subject[] = [];
  const results = new Map<string, ScaleSubjectResult>();
  try {
    const adapter = cacheSubject(label, await module.create(context, `${id}-a`));
    subjects.push(adapter);
    live.set(adapter.label, adapter);
    const raw = await module.createBaseline(context, `${id}-raw`);
    subjects.push(raw);
    live.set(raw.label, raw);

    const loaded: {
      subject: Subject;
      preload: ScaleSubjectResult['preload'];
      footprint?: ScaleSubjectResult['footprint'];
    }[] = [];
    for (const subject of subjects) {
      progress.start(`preload ${subject.label} ${keys.size}`, keys.size * 2);
      try {
        const { preload, footprint } = await preloadSubject(subject, keys, progress);
        await verify(subject, keys);
        loaded.push({ subject, preload, ...(footprint === undefined ? {} : { footprint }) });
      } finally {
        progress.stop();
      }
    }

    const totals = new Map(
      loaded.map(({ subject }) => [
        subject.label,
        new Map(
          DISTRIBUTIONS.map((d) => [
            d,
            { operations: 0, elapsedMs: 0, latency: new LatencyRecorder() },
          ]),
        ),
      ]),
    );
    progress.start(
      `measure ${module.name} ${keys.size}`,
      DISTRIBUTIONS.length * (rounds + 1) * loaded.length,
    );
    for (const distribution of DISTRIBUTIONS) {
      const sequence = keySequence(keys.size, distribution);
      const mixes = loaded.map(({ subject }) => ({ subject, mix: mixOf(subject, keys, sequence) }));
      // One unrecorded pass each, so the JIT and the caches are warm for whoever runs first.
      for (const { mix } of mixes) {
        await runClosedLoop(mix, { concurrency: CONCURRENCY, durationMs });
        progress.increment();
      }
      for (let round = 0; round < rounds; round++) {
        for (let j = 0; j < mixes.length; j++) {
          const { subject, mix } = mixes[(j + round) % mixes.length]!;
          const total = totals.get(subject.label)!.get(distribution)!;
          const run = await runClosedLoop(mix, {
            concurrency: CONCURRENCY,
            durationMs,
            latency: total.latency,
          });
          total.operations += run.operations;
          total.elapsedMs += run.elapsedMs;
          progress.increment();
        }
      }
    }
    progress.stop();

    for (const { subject, preload, footprint } of loaded) {
      const workloads = {} as Record<Distribution, ScaleThroughput>;
      for (const [distribution, total] of totals.get(subject.label)!) {
        const summary = total.latency.summary();
        total.latency.destroy();
        workloads[distribution] = {
          operations: total.operations,
          elapsedMs: Math.round(total.elapsedMs),
          throughput:
            total.elapsedMs > 0 ? Math.round((total.operations * 1000) / total.elapsedMs) : 0,
          p50Us: summary.p50,
          p99Us: summary.p99,
        };
      }
      results.set(subject.label, {
        label: subject.label,
        role: subject.role === 'adapter' ? 'adapter' : 'baseline',
        preload,
        ...(footprint === undefined ? {} : { footprint }),
        workloads,
      });
    }
  } finally {
    progress.stop();
    for (const subject of subjects) {
      live.delete(subject.label);
      await subject.close().catch(() => {});
    }
  }
  const ours = results.get(label);
  const theirs = results.get(module.baselineLabel);
  const ratio = (d: Distribution) => {
    const a = ours?.workloads[d].throughput;
    const b = theirs?.workloads[d].throughput;
    return a === undefined || b === undefined || b === 0
      ? undefined
      : Math.round((a / b) * 100) / 100;
  };
  return {
    adapter: module.name,
    size: keys.size,
    repositories: keys.repos.length,
    materialized: keys.materialized,
    subjects: [...results.values()],
    ratio: { uniform: ratio('uniform'), zipf: ratio('zipf') },
  };
}

/** The read-heavy mix of `pnpm bench` (40% hit, 40% meta, 10% miss, 10% setMeta) over `sequence`. */
function mixOf(
  subject: Subject,
  keys: KeySpace,
  sequence: Uint32Array,
): (i: number) => Promise<unknown> {
  const { repos, digest, meta } = keys;
  const R = repos.length;
  return (i) => {
    const k = sequence[i & SEQUENCE_MASK]!;
    const slot = i % 10;
    if (slot < 4) return subject.contains(repos[k % R]!, digest(k));
    if (slot < 8) return subject.meta(digest(k));
    // The blob exists, linked by the previous repository only: a cross-repository miss.
    if (slot < 9) return subject.contains(repos[(k + 1) % R]!, digest(k));
    return subject.setMeta(digest(k), meta(k));
  };
}

async function readFootprint(subject: Subject): Promise<number> {
  const probe = subject.footprint;
  if (probe === undefined) return 0;
  return probe.kind === 'heap' ? heapUsed() : probe.read();
}

/**
 * Writes `size` memberships, then `size` metas, in chunks, with fresh strings for every call (so
 * a heap reading counts what the cache keeps, not strings the benchmark holds anyway), each in
 * the order of its table's primary key, as a bulk import would: in random order every 512-row
 * commit of the SQLite adapter dirties ~512 random pages, and 10M keys took ~15 minutes instead
 * of ~2. (Random-order writes are what the measured mix's setMeta and the churn run do.)
 */
async function preloadSubject(
  subject: Subject,
  keys: KeySpace,
  progress: Progress,
): Promise<Pick<ScaleSubjectResult, 'preload' | 'footprint'>> {
  const { size, repos } = keys;
  const R = repos.length;
  const inChunks = async (
    order: Uint32Array,
    write: (k: number) => Promise<unknown>,
  ): Promise<number> => {
    let elapsed = 0;
    for (let start = 0; start < size; start += CHUNK) {
      const count = Math.min(CHUNK, size - start);
      const chunk = async () => {
        await runClosedLoop((i) => write(order[start + i]!), {
          concurrency: PRELOAD_CONCURRENCY,
          operations: count,
        });
      };
      const t0 = performance.now();
      await (subject.bulk ? subject.bulk(chunk) : chunk());
      elapsed += performance.now() - t0;
      progress.increment(count);
    }
    return elapsed;
  };
  let order = membershipOrder(size, repos);
  const before = await readFootprint(subject);
  const membershipsMs = await inChunks(order, (k) => subject.add(repos[k % R]!, digestAt(k)));
  order = metaOrder(size);
  const afterMemberships = await readFootprint(subject);
  const metasMs = await inChunks(order, (k) => subject.setMeta(digestAt(k), metaAt(k)));
  const afterMetas = await readFootprint(subject);
  const totalMs = membershipsMs + metasMs;
  const probe = subject.footprint;
  return {
    preload: {
      membershipsMs: Math.round(membershipsMs),
      metasMs: Math.round(metasMs),
      totalMs: Math.round(totalMs),
      perSecond: Math.round((size * 2 * 1000) / totalMs),
      method: subject.bulk ? 'bulk' : 'api',
    },
    ...(probe === undefined
      ? {}
      : {
          footprint: {
            kind: probe.kind,
            perMembership: Math.round(Math.max(0, afterMemberships - before) / size),
            perMeta: Math.round(Math.max(0, afterMetas - afterMemberships) / size),
          },
        }),
  };
}

/** A fast wrong answer must not pass for a fast right one: checks a sample against the model. */
async function verify(subject: Subject, keys: KeySpace): Promise<void> {
  const { size, repos, digest, meta } = keys;
  const R = repos.length;
  for (let s = 0; s < 25; s++) {
    const k = (s * 7919 + 1) % size;
    if ((await subject.contains(repos[k % R]!, digest(k))) !== true) {
      throw new Error(`${subject.label}: membership ${k} should be there`);
    }
    if ((await subject.contains(repos[(k + 1) % R]!, digest(k))) !== false) {
      throw new Error(`${subject.label}: a digest of another repository answered true`);
    }
    const got = await subject.meta(digest(k));
    const want = meta(k);
    if (got?.path !== want.path || got.length !== want.length) {
      throw new Error(`${subject.label}: meta ${k} gave ${JSON.stringify(got)}`);
    }
  }
}
