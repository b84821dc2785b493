import type { BenchResults } from '../bench/results.js';
import { formatRate } from './format.js';

/** Labels of the powers of ten on a log axis. */
export const TICK_LABELS: Readonly<Record<number, string>> = {
  3: '1k',
  4: '10k',
  5: '100k',
  6: '1M',
  7: '10M',
  8: '100M',
};

const ROLE_COLOURS = { adapter: '#2f6fde', baseline: '#8a8f98', peer: '#e08a2c' } as const;

/** Text made safe for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A horizontal bar chart of one operation at one concurrency, grouped by adapter (the adapter,
 * its raw baseline, its peers), on a log scale: in-process adapters run at millions of calls per
 * second and SQLite or Redis at tens of thousands, and a linear axis would flatten the latter.
 * Hand-written SVG (no chart library): it is a few rectangles and labels.
 */
export function renderChart(
  results: BenchResults,
  operation = 'read-heavy-mix',
  concurrency = 64,
): string {
  const rows: { label: string; role: keyof typeof ROLE_COLOURS; value: number; group: string }[] =
    [];
  const adapters = results.subjects.filter((s) => s.role === 'adapter');
  for (const adapter of adapters) {
    const name = adapter.adapters[0]!;
    for (const subject of results.subjects.filter((s) => s.adapters.includes(name))) {
      const cell = results.cells.find(
        (c) =>
          c.subject === subject.label && c.operation === operation && c.concurrency === concurrency,
      );
      rows.push({
        label: subject.label,
        role: subject.role,
        value: cell?.error === undefined ? (cell?.throughput ?? 0) : 0,
        group: name,
      });
    }
  }
  const rowHeight = 22;
  const groupGap = 14;
  const left = 230;
  const plotWidth = 520;
  const top = 58;
  const groups = new Set(rows.map((r) => r.group)).size;
  const height = top + rows.length * rowHeight + groups * groupGap + 50;
  const width = left + plotWidth + 90;
  const max = Math.max(10, ...rows.map((r) => r.value));
  const minDecade = 3;
  const maxDecade = Math.max(minDecade + 1, Math.ceil(Math.log10(max)));
  const x = (v: number) =>
    left +
    (Math.max(0, Math.log10(Math.max(v, 10 ** minDecade)) - minDecade) / (maxDecade - minDecade)) *
      plotWidth;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="22" font-size="15" font-weight="600">layercache: ${escapeXml(operation)}, concurrency ${concurrency} (calls/s, log scale)</text>`,
    `<text x="16" y="40" fill="#555">${escapeXml(results.date.slice(0, 10))} · Node ${escapeXml(results.machine.node)} · ${results.machine.cpus} × ${escapeXml(results.machine.cpuModel)}${results.settings.quick ? ' · --quick' : ''}</text>`,
  );
  const plotBottom = height - 40;
  for (let d = minDecade; d <= maxDecade; d++) {
    const gx = x(10 ** d);
    parts.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${plotBottom}" stroke="#e3e5e8"/>`,
      `<text x="${gx}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${TICK_LABELS[d] ?? `1e${d}`}</text>`,
    );
  }
  let y = top;
  let previous: string | undefined;
  for (const row of rows) {
    if (previous !== undefined && row.group !== previous) y += groupGap;
    previous = row.group;
    const barEnd = x(row.value);
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end"${row.role === 'adapter' ? ' font-weight="600"' : ''}>${escapeXml(row.label)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, barEnd - left).toFixed(1)}" height="${rowHeight - 6}" fill="${ROLE_COLOURS[row.role]}" rx="2"/>`,
      `<text x="${(barEnd + 6).toFixed(1)}" y="${y + 15}" fill="#333">${row.value > 0 ? formatRate(row.value) : 'n/a'}</text>`,
    );
    y += rowHeight;
  }
  let lx = left;
  for (const [role, colour] of Object.entries(ROLE_COLOURS)) {
    parts.push(
      `<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${lx + 14}" y="${height - 7}" fill="#333">${role === 'baseline' ? 'raw backend' : role}</text>`,
    );
    lx += 110;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
