import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A ```ts or ```js block of a README, as a user would copy it into a file of their own.
 *
 * Every block is run unless the line before it says otherwise, in an HTML comment (invisible on
 * GitHub and on the registry page):
 * - `<!-- not run: <why> -->` — a fragment (it needs names from elsewhere, or a server we cannot
 *   start); the reason is required, and the list is kept small;
 * - `<!-- run: commonjs -->` — a CommonJS file, run in the `"type": "commonjs"` projects instead of
 *   the `"type": "module"` ones;
 * - `<!-- run: with @types/better-sqlite3 -->` — TypeScript that imports better-sqlite3 itself,
 *   which needs its types; run only in the projects that have them;
 * - `<!-- snippet: <file> -->` — lines quoted verbatim from a file of the workspace, which is
 *   compiled and tested where it lives (the example registry's tests check every such quote).
 */
export interface ReadmeExample {
  /** `README.md:42`: the README, relative to the workspace, and the line of the opening fence. */
  readonly id: string;
  readonly lang: 'ts' | 'js';
  readonly module: 'module' | 'commonjs';
  readonly needsBetterSqlite3Types: boolean;
  readonly code: string;
}

export interface ReadmeFragment {
  readonly id: string;
  readonly reason: string;
}

export interface ReadmeBlocks {
  readonly examples: ReadmeExample[];
  readonly fragments: ReadmeFragment[];
}

const fence = /^```(\S*)\s*$/;
const marker = /^<!--\s*(not run|run|snippet):\s*(.*?)\s*-->$/;
const runFlags = new Set(['commonjs', 'with @types/better-sqlite3']);

/** The code blocks of one README, `name` being how errors and ids refer to it. */
export function extractExamples(markdown: string, name: string): ReadmeBlocks {
  const lines = markdown.split('\n');
  const examples: ReadmeExample[] = [];
  const fragments: ReadmeFragment[] = [];
  let pending: { kind: string; value: string; line: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const markerMatch = marker.exec(line);
    if (markerMatch !== null) {
      pending = { kind: markerMatch[1]!, value: markerMatch[2]!, line: index + 1 };
      continue;
    }
    const fenceMatch = fence.exec(line);
    if (fenceMatch === null) {
      if (pending !== undefined && line !== '') {
        throw new Error(`${name}:${pending.line}: the marker must come right before a code block`);
      }
      continue;
    }
    const lang = fenceMatch[1]!;
    const start = index + 1;
    const end = lines.findIndex((l, i) => i > index && l.trim() === '```');
    if (end === -1) throw new Error(`${name}:${start}: code block is never closed`);
    const code = `${lines.slice(index + 1, end).join('\n')}\n`;
    index = end;
    const id = `${name}:${start}`;
    const directive = pending;
    pending = undefined;
    if (lang !== 'ts' && lang !== 'js') {
      if (directive !== undefined) {
        throw new Error(
          `${name}:${directive.line}: a marker on a \`${lang}\` block, which never runs`,
        );
      }
      continue;
    }
    if (directive?.kind === 'snippet') {
      if (directive.value === '') throw new Error(`${id}: "snippet" needs the file it quotes`);
      continue;
    }
    if (directive?.kind === 'not run') {
      if (directive.value === '') throw new Error(`${id}: "not run" needs a reason`);
      fragments.push({ id, reason: directive.value });
      continue;
    }
    const flags = directive === undefined ? [] : directive.value.split(',').map((f) => f.trim());
    for (const flag of flags) {
      if (!runFlags.has(flag)) {
        throw new Error(`${id}: unknown run flag "${flag}" (known: ${[...runFlags].join(', ')})`);
      }
    }
    examples.push({
      id,
      lang,
      module: flags.includes('commonjs') ? 'commonjs' : 'module',
      needsBetterSqlite3Types: flags.includes('with @types/better-sqlite3'),
      code,
    });
  }
  if (pending !== undefined) {
    throw new Error(`${name}:${pending.line}: the marker must come right before a code block`);
  }
  return { examples, fragments };
}

/** The blocks of the root README and of each published package's README, in that order. */
export function readWorkspaceExamples(root: string, packageDirs: readonly string[]): ReadmeBlocks {
  const all: ReadmeBlocks = { examples: [], fragments: [] };
  for (const dir of [root, ...packageDirs]) {
    const file = join(dir, 'README.md');
    const { examples, fragments } = extractExamples(
      readFileSync(file, 'utf8'),
      relative(root, file),
    );
    all.examples.push(...examples);
    all.fragments.push(...fragments);
  }
  return all;
}
