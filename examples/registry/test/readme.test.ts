import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The root README's "Use it in a registry" code is the example's code: each block marked
// `<!-- snippet: <file> -->` must be a run of consecutive lines of that file (indentation aside).
const REPO = new URL('../../../', import.meta.url);

async function snippets(): Promise<{ file: string; code: string }[]> {
  const readme = await readFile(new URL('README.md', REPO), 'utf8');
  const found: { file: string; code: string }[] = [];
  for (const match of readme.matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)\n```/g)) {
    found.push({ file: match[1] ?? '', code: match[2] ?? '' });
  }
  return found;
}

function dedent(lines: readonly string[]): string[] {
  const indent = Math.min(
    ...lines
      .filter((line) => line.trim() !== '')
      .map((line) => line.length - line.trimStart().length),
  );
  return lines.map((line) => line.slice(indent));
}

function containsRun(source: string, code: string): boolean {
  const lines = source.split('\n');
  const wanted = code.split('\n');
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    if (dedent(lines.slice(i, i + wanted.length)).join('\n') === wanted.join('\n')) return true;
  }
  return false;
}

describe('the README registry section', () => {
  it('has snippets', async () => {
    expect((await snippets()).length).toBeGreaterThanOrEqual(4);
  });

  it('quotes every snippet verbatim from the example file it names', async () => {
    for (const { file, code } of await snippets()) {
      const source = await readFile(fileURLToPath(new URL(file, REPO)), 'utf8');
      expect(containsRun(source, code), `${file} does not contain:\n${code}`).toBe(true);
    }
  });
});
