import { expect, it } from 'vitest';
import { extractExamples, readWorkspaceExamples } from './support/readme-examples.js';
import { listPublishedPackages, workspaceRoot } from './support/workspace.js';

const readme = (...lines: string[]) => `${lines.join('\n')}\n`;

it('extracts ts and js blocks with the line of their opening fence, and no other language', () => {
  const { examples } = extractExamples(
    readme('# x', '```ts', 'const a = 1;', '```', '```sh', 'npm i', '```', '```js', 'b();', '```'),
    'README.md',
  );
  expect(examples.map(({ id, lang, code }) => ({ id, lang, code }))).toEqual([
    { id: 'README.md:2', lang: 'ts', code: 'const a = 1;\n' },
    { id: 'README.md:8', lang: 'js', code: 'b();\n' },
  ]);
});

it('runs a block as an ES module without @types/better-sqlite3 unless it is marked', () => {
  const { examples } = extractExamples(readme('```ts', 'x;', '```'), 'README.md');
  expect(examples[0]).toMatchObject({ module: 'module', needsBetterSqlite3Types: false });
});

it('reads run flags from the comment right before a block', () => {
  const { examples } = extractExamples(
    readme(
      '<!-- run: commonjs -->',
      '```js',
      'x;',
      '```',
      '<!-- run: with @types/better-sqlite3 -->',
      '```ts',
      'y;',
      '```',
    ),
    'README.md',
  );
  expect(examples.map((e) => [e.module, e.needsBetterSqlite3Types])).toEqual([
    ['commonjs', false],
    ['module', true],
  ]);
});

it('leaves out a block marked "not run" and keeps its reason', () => {
  const blocks = extractExamples(
    readme('<!-- not run: needs a Cluster -->', '```ts', 'x;', '```'),
    'a/README.md',
  );
  expect(blocks).toEqual({
    examples: [],
    fragments: [{ id: 'a/README.md:2', reason: 'needs a Cluster' }],
  });
});

it('leaves out a block quoted from a workspace file: its quoting test checks it', () => {
  const { examples, fragments } = extractExamples(
    readme('<!-- snippet: examples/registry/src/blobs.ts -->', '```ts', 'await x;', '```'),
    'README.md',
  );
  expect(examples).toEqual([]);
  expect(fragments).toEqual([]);
});

it('refuses a "not run" marker without a reason', () => {
  expect(() => extractExamples(readme('<!-- not run: -->', '```ts', 'x;', '```'), 'R.md')).toThrow(
    /R\.md:2: "not run" needs a reason/,
  );
});

it('refuses an unknown run flag, naming the known ones', () => {
  expect(() => extractExamples(readme('<!-- run: cjs -->', '```js', 'x;', '```'), 'R.md')).toThrow(
    /unknown run flag "cjs" \(known: commonjs, with @types\/better-sqlite3\)/,
  );
});

it('refuses a marker that is not right before a code block', () => {
  expect(() =>
    extractExamples(readme('<!-- run: commonjs -->', 'text', '```js', 'x;', '```'), 'R.md'),
  ).toThrow(/R\.md:1: the marker must come right before a code block/);
});

it('refuses a code block that is never closed', () => {
  expect(() => extractExamples(readme('```ts', 'x;'), 'R.md')).toThrow(
    /R\.md:1: code block is never closed/,
  );
});

it('runs all but a handful of the README examples: fragments are the exception, each with a reason', () => {
  const { examples, fragments } = readWorkspaceExamples(
    workspaceRoot,
    listPublishedPackages().map((pkg) => pkg.dir),
  );
  expect(fragments.length).toBeLessThanOrEqual(6);
  expect(examples.length).toBeGreaterThan(2 * fragments.length);
  expect(examples.some((e) => e.module === 'commonjs')).toBe(true);
});
