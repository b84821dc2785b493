import Table from 'cli-table3';
import { TARGET_CONCURRENCY, throughputOf } from '../bench/analysis.js';
import type { BenchResults } from '../bench/results.js';
import { formatMicros, formatRate, formatRatio } from './format.js';

/** What `bench` prints: the read-heavy mix per subject, then the targets. */
export function renderConsole(results: BenchResults): string {
  const style = { head: [], border: [] };
  const mix = new Table({
    head: [
      'subject',
      'role',
      `mix c=1`,
      `mix c=${TARGET_CONCURRENCY}`,
      `p50 / p99 c=${TARGET_CONCURRENCY}`,
      `stat pairs/s c=${TARGET_CONCURRENCY}`,
    ],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    style,
  });
  for (const s of results.subjects) {
    const cell = results.cells.find(
      (c) =>
        c.subject === s.label &&
        c.operation === 'read-heavy-mix' &&
        c.concurrency === TARGET_CONCURRENCY,
    );
    const rate = (op: string, c: number) => {
      const t = throughputOf(results.cells, s.label, op, c);
      return t === undefined ? '—' : formatRate(t);
    };
    mix.push([
      s.label,
      s.role === 'baseline' ? 'raw' : s.role,
      rate('read-heavy-mix', 1),
      rate('read-heavy-mix', TARGET_CONCURRENCY),
      cell === undefined || cell.error !== undefined
        ? '—'
        : `${formatMicros(cell.latencyUs.p50)} / ${formatMicros(cell.latencyUs.p99)}`,
      rate('stat-pair', TARGET_CONCURRENCY),
    ]);
  }
  const targets = new Table({
    head: ['adapter', 'compared with', 'ratio', 'target', 'met'],
    colAligns: ['left', 'left', 'right', 'right', 'left'],
    style,
  });
  for (const t of results.targets) {
    targets.push([
      t.adapter,
      t.against,
      formatRatio(t.ratio),
      `≥ ${t.target}×`,
      t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO',
    ]);
  }
  const lines = [mix.toString(), '', targets.toString()];
  for (const s of results.skipped) lines.push(`skipped ${s.name}: ${s.reason}`);
  return `${lines.join('\n')}\n`;
}
