import Table from 'cli-table3';
import {
  formatInteger,
  formatMicros,
  formatMillis,
  formatPercent,
  formatRate,
} from '../report/format.js';
import type { DemoResult } from './result.js';

const formatMs = (ms: number) => formatMicros(ms * 1000);

/** The demo's human report: what ran, then a two-column table (without / with the cache). */
export function renderDemoReport(result: DemoResult): string {
  const { storage, workload, withoutCache, withCache } = result;
  const lines = [
    'layercache demo: a registry serving pulls, without and with the read-through cache',
    '',
    `storage   ${storage.generated ? 'generated' : 'existing (read-only)'} Go-registry tree at ${storage.root}: ${formatInteger(storage.repositories)} repositories, ${formatInteger(storage.blobs)} blobs, ${formatInteger(storage.links)} layer links`,
    `backend   filesystem (link-file read for exists, data-file stat for stat) + ${result.simulatedLatencyMs} ms SIMULATED latency per call, standing in for an object-store round trip`,
    `workload  ${formatInteger(workload.requests)} blob requests (exists, then stat when linked), Zipf popularity skew ${workload.skew}, ${formatPercent(workload.foreignRatio)} for unlinked blobs, concurrency ${workload.concurrency}, seed ${workload.seed}`,
    `cache     ${result.adapter.name}: ${result.adapter.detail}`,
    '',
  ];
  const table = new Table({
    head: ['', 'without cache', `with ${result.adapter.name} cache`],
    colAligns: ['left', 'right', 'right'],
    style: { head: [], border: [] },
  });
  const saved = withoutCache.backendCalls.total - withCache.backendCalls.total;
  table.push(
    ['requests', formatInteger(withoutCache.requests), formatInteger(withCache.requests)],
    [
      'backend calls (exists + stat)',
      formatInteger(withoutCache.backendCalls.total),
      formatInteger(withCache.backendCalls.total),
    ],
    [
      'backend calls saved',
      '—',
      `${formatInteger(saved)} (${formatPercent(saved / Math.max(1, withoutCache.backendCalls.total))})`,
    ],
    [
      'backend calls per request',
      result.perRequest.backendCallsWithoutCache.toFixed(3),
      result.perRequest.backendCallsWithCache.toFixed(3),
    ],
    ...(result.perRequest.redisCommands === undefined
      ? []
      : [['Redis commands per request', '—', result.perRequest.redisCommands.toFixed(3)]]),
    ['cache hit ratio', '—', formatPercent(withCache.hitRatio)],
    [
      'latency p50 / p99 per request',
      `${formatMs(withoutCache.latencyMs.p50)} / ${formatMs(withoutCache.latencyMs.p99)}`,
      `${formatMs(withCache.latencyMs.p50)} / ${formatMs(withCache.latencyMs.p99)}`,
    ],
    [
      'throughput (requests/s)',
      formatRate(withoutCache.throughput),
      formatRate(withCache.throughput),
    ],
    ['wall time', formatMillis(withoutCache.durationMs), formatMillis(withCache.durationMs)],
  );
  lines.push(table.toString(), '');
  lines.push(
    result.mismatches === 0
      ? `answers   identical for all ${formatInteger(workload.requests)} requests with and without the cache`
      : `answers   ${formatInteger(result.mismatches)} requests answered DIFFERENTLY through the cache`,
  );
  if (withCache.cacheErrors > 0) {
    lines.push(
      `errors    ${formatInteger(withCache.cacheErrors)} cache errors (served by the backend)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
