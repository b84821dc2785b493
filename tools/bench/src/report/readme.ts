import { readFile, writeFile } from 'node:fs/promises';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/**
 * The part of the report that belongs in the root README: the run line, the targets table and the
 * Go reference (everything before the per-operation tables), plus a pointer to the full report.
 */
export function readmeSection(markdown: string): string {
  const body = markdown.replace(/^## Performance\n+/, '');
  const cut = body.indexOf('\n### Per operation');
  const summary = (cut === -1 ? body : body.slice(0, cut)).trim();
  return `${summary}\n\nEvery operation at concurrency 1 and 64, memory per 100,000 entries and the redis-benchmark ceiling: [bench/results/latest.md](bench/results/latest.md) (chart: [bench/results/chart.svg](bench/results/chart.svg)).`;
}

/**
 * Replaces what stands between the README's `bench:start` and `bench:end` markers. Returns
 * `false`, changing nothing, when the file has no markers.
 */
export async function updateReadme(path: string, markdown: string): Promise<boolean> {
  const readme = await readFile(path, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) return false;
  const next = `${readme.slice(0, start + START.length)}\n${readmeSection(markdown)}\n${readme.slice(end)}`;
  await writeFile(path, next);
  return true;
}
