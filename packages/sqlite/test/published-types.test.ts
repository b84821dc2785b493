import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild } from './support.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(packageDir, 'dist');
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const nodeTypes = dirname(require.resolve('@types/node/package.json'));
const coreDir = join(packageDir, '..', 'core');

// A user's project, outside this repository, so that nothing resolves `@types/better-sqlite3` from
// a node_modules above it: the package installed as npm would copy it, core beside it.
const project = mkdtempSync(join(tmpdir(), 'layercache-sqlite-types-'));
beforeAll(requireBuild);
afterAll(() => rmSync(project, { recursive: true, force: true }));

const declarations = () =>
  readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));

describe('the published types', () => {
  it('never import better-sqlite3', () => {
    // Statements and type imports, not the TSDoc examples (which show a user's own import).
    const reference =
      /^(?:import|export)\b[^\n]*["']better-sqlite3["']|import\(\s*["']better-sqlite3["']|types=["']better-sqlite3["']/m;
    const importing = declarations().filter((file) =>
      reference.test(readFileSync(join(dist, file), 'utf8')),
    );
    expect(declarations().length).toBeGreaterThan(0);
    expect(importing).toEqual([]);
  });

  it('compile under tsc --strict in a project without @types/better-sqlite3', () => {
    const installed = join(project, 'node_modules', '@layercache', 'sqlite');
    mkdirSync(installed, { recursive: true });
    cpSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
    cpSync(dist, join(installed, 'dist'), { recursive: true });
    symlinkSync(coreDir, join(project, 'node_modules', '@layercache', 'core'));
    mkdirSync(join(project, 'node_modules', '@types'));
    symlinkSync(nodeTypes, join(project, 'node_modules', '@types', 'node'));
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { createSqliteCache, type SqliteCacheOptions } from '@layercache/sqlite';
const options: SqliteCacheOptions = { filename: '/var/cache/layers.sqlite', ttlMs: 60_000 };
const cache = createSqliteCache(options);
export const present: Promise<boolean> = cache.contains('library/alpine', 'sha256:0');
`,
    );
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  }, 60_000);
});
