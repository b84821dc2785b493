import { escapeXml, TICK_LABELS } from '../report/chart.js';
import { formatRate } from '../report/format.js';
import type { Distribution } from './keyspace.js';
import type { ScaleResults } from './results.js';

const ADAPTER_COLOURS: Readonly<Record<string, string>> = {
  memory: '#2f6fde',
  lru: '#2a9d5c',
  sqlite: '#c2452f',
  redis: '#8a4fd0',
};

const PANEL_WIDTH = 380;
const PANEL_HEIGHT = 260;

/**
 * Throughput against size, both on log scales, one panel per key popularity: each adapter a solid
 * line, its raw backend a dashed line of the same colour. Hand-written SVG, like the bench chart.
 */
export function renderScaleChart(results: ScaleResults): string {
  const sizes = results.settings.sizes;
  const values = results.runs.flatMap((r) =>
    r.subjects.flatMap((s) => [s.workloads.uniform.throughput, s.workloads.zipf.throughput]),
  );
  const minSize = Math.floor(Math.log10(Math.min(...sizes)));
  const maxSize = Math.max(minSize + 1, Math.ceil(Math.log10(Math.max(...sizes))));
  const positive = values.filter((v) => v > 0);
  const minRate = Math.floor(Math.log10(Math.min(1e3, ...positive)));
  const maxRate = Math.max(minRate + 1, Math.ceil(Math.log10(Math.max(10, ...positive))));
  const left = 70;
  const top = 60;
  const gap = 70;
  const width = left + 2 * PANEL_WIDTH + gap + 30;
  const height = top + PANEL_HEIGHT + 90;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="16" y="22" font-size="15" font-weight="600">layercache at scale: read-heavy mix, concurrency ${results.settings.concurrency} (calls/s against entries, log–log)</text>`,
    `<text x="16" y="40" fill="#555">${escapeXml(results.date.slice(0, 10))} · Node ${escapeXml(results.machine.node)} · ${results.machine.cpus} × ${escapeXml(results.machine.cpuModel)} · solid: adapter, dashed: raw backend</text>`,
  ];
  const panel = (x0: number, distribution: Distribution) => {
    const x = (size: number) =>
      x0 + ((Math.log10(size) - minSize) / (maxSize - minSize)) * PANEL_WIDTH;
    const y = (rate: number) =>
      top +
      PANEL_HEIGHT -
      ((Math.log10(Math.max(rate, 10 ** minRate)) - minRate) / (maxRate - minRate)) * PANEL_HEIGHT;
    parts.push(
      `<text x="${x0 + PANEL_WIDTH / 2}" y="${top - 8}" text-anchor="middle" font-weight="600">${distribution === 'uniform' ? 'uniform keys' : `Zipf keys (skew ${results.settings.zipfSkew})`}</text>`,
      `<rect x="${x0}" y="${top}" width="${PANEL_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#c9ccd1"/>`,
    );
    for (let d = minSize; d <= maxSize; d++) {
      const gx = x(10 ** d);
      parts.push(
        `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${top + PANEL_HEIGHT}" stroke="#eceef1"/>`,
        `<text x="${gx}" y="${top + PANEL_HEIGHT + 16}" text-anchor="middle" fill="#555">${TICK_LABELS[d] ?? `1e${d}`}</text>`,
      );
    }
    for (let d = minRate; d <= maxRate; d++) {
      const gy = y(10 ** d);
      parts.push(
        `<line x1="${x0}" y1="${gy}" x2="${x0 + PANEL_WIDTH}" y2="${gy}" stroke="#eceef1"/>`,
        `<text x="${x0 - 6}" y="${gy + 4}" text-anchor="end" fill="#555">${TICK_LABELS[d] ?? formatRate(10 ** d)}</text>`,
      );
    }
    for (const adapter of results.settings.adapters) {
      const runs = results.runs
        .filter((r) => r.adapter === adapter)
        .sort((a, b) => a.size - b.size);
      const colour = ADAPTER_COLOURS[adapter] ?? '#333';
      for (const role of ['adapter', 'baseline'] as const) {
        const points = runs.flatMap((r) => {
          const rate = r.subjects.find((s) => s.role === role)?.workloads[distribution].throughput;
          return rate === undefined || rate <= 0 ? [] : [[x(r.size), y(rate)] as const];
        });
        if (points.length === 0) continue;
        parts.push(
          `<polyline fill="none" stroke="${colour}" stroke-width="2"${role === 'baseline' ? ' stroke-dasharray="5 4"' : ''} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
          ...points.map(
            ([px, py]) =>
              `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${colour}"/>`,
          ),
        );
      }
    }
  };
  panel(left, 'uniform');
  panel(left + PANEL_WIDTH + gap, 'zipf');
  let lx = left;
  for (const adapter of results.settings.adapters) {
    parts.push(
      `<rect x="${lx}" y="${height - 22}" width="14" height="4" fill="${ADAPTER_COLOURS[adapter] ?? '#333'}"/>`,
      `<text x="${lx + 20}" y="${height - 16}" fill="#333">${escapeXml(adapter)}</text>`,
    );
    lx += 100;
  }
  parts.push(
    `<text x="${left + 2 * PANEL_WIDTH + gap}" y="${height - 16}" text-anchor="end" fill="#555">entries preloaded (memberships = metas)</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
