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
  return replaceBetweenMarkers(path, START, END, readmeSection(markdown));
}

/**
 * Replaces what stands between `start` and `end` in the file at `path` with `body`. Returns
 * `false`, changing nothing, when the file lacks either marker.
 */
export async function replaceBetweenMarkers(
  path: string,
  start: string,
  end: string,
  body: string,
): Promise<boolean> {
  const readme = await readFile(path, 'utf8');
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to < from) return false;
  await writeFile(path, `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`);
  return true;
}
