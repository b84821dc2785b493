import type { AdapterName, PeerName } from '../adapters/types.js';
import type { CellResult, RedisBenchmarkResult, TargetResult } from './results.js';
import type { Lineup } from './subjects.js';
import { GO_REGISTRY_REFERENCE, TARGETS } from './targets.js';

/** The concurrency and operation the targets are stated at. */
export const TARGET_CONCURRENCY = 64;
export const TARGET_OPERATION = 'read-heavy-mix';

/** Throughput of one cell, or `undefined` when it was not measured or failed. */
export function throughputOf(
  cells: readonly CellResult[],
  subject: string | undefined,
  operation: string,
  concurrency: number,
): number | undefined {
  if (subject === undefined) return undefined;
  const cell = cells.find(
    (c) => c.subject === subject && c.operation === operation && c.concurrency === concurrency,
  );
  return cell === undefined || cell.error !== undefined || cell.throughput === 0
    ? undefined
    : cell.throughput;
}

function ratio(ours: number | undefined, theirs: number | undefined): number | undefined {
  return ours === undefined || theirs === undefined ? undefined : ours / theirs;
}

/**
 * The redis-benchmark ceiling for the read-heavy mix: the mean of its `SISMEMBER` (hit) and
 * `HMGET` rates at the target concurrency, the two reads the mix is made of.
 */
export function redisBenchmarkReadCeiling(
  runs: readonly RedisBenchmarkResult[],
): number | undefined {
  const reads = runs.filter(
    (r) =>
      r.concurrency === TARGET_CONCURRENCY &&
      (r.operation === 'contains-hit' || r.operation === 'meta'),
  );
  return reads.length === 2 ? (reads[0]!.throughput + reads[1]!.throughput) / 2 : undefined;
}

/** Our Redis stat pairs per second at concurrency 64 (what the Go reference measured). */
export function redisPairsPerSecond(
  cells: readonly CellResult[],
  subject = 'layercache redis',
): number | undefined {
  return throughputOf(cells, subject, 'stat-pair', TARGET_CONCURRENCY);
}

/** Checks every target of the issue whose adapter ran. */
export function checkTargets(
  lineup: Lineup,
  cells: readonly CellResult[],
  redisBenchmark: readonly RedisBenchmarkResult[],
): TargetResult[] {
  const results: TargetResult[] = [];
  for (const target of TARGETS) {
    const group = lineup.groups.get(target.adapter as AdapterName);
    if (group === undefined) continue;
    const mix = (subject: string | undefined) =>
      throughputOf(cells, subject, TARGET_OPERATION, TARGET_CONCURRENCY);
    let against: string;
    let metric = `${TARGET_OPERATION}, concurrency ${TARGET_CONCURRENCY}, ops/s`;
    const subject = target.subject ?? group.adapter;
    let ours = mix(subject);
    let theirs: number | undefined;
    if (target.against === 'baseline') {
      against = group.baseline ?? 'raw baseline (not loaded)';
      theirs = mix(group.baseline);
    } else if (target.against === 'redis-benchmark') {
      against = 'redis-benchmark -P 1';
      metric = `${metric} vs mean of its SISMEMBER and HMGET`;
      theirs = redisBenchmarkReadCeiling(redisBenchmark);
    } else if (target.against === 'go-registry') {
      against = 'Go registry 2.8.2 Stat (external)';
      metric = `stat pairs (contains + meta)/s, concurrency ${TARGET_CONCURRENCY}`;
      ours = redisPairsPerSecond(cells, subject);
      theirs = GO_REGISTRY_REFERENCE.pairsPerSecond;
    } else {
      const peer = group.peers.get(target.against as PeerName);
      against = peer ?? `${target.against} (not loaded)`;
      theirs = mix(peer);
    }
    const r = ratio(ours, theirs);
    results.push({
      adapter: target.subject === undefined ? target.adapter : subject.replace(/^layercache /, ''),
      against,
      metric,
      ours,
      theirs,
      ratio: r,
      target: target.min,
      met: r === undefined ? undefined : r >= target.min,
    });
  }
  return results;
}
