import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadmeExample } from './readme-examples.js';
import { type RunResult, run } from './scratch.js';
import { type PublishedPackage, workspaceRoot } from './workspace.js';

/** One consumer project, installed with npm from the packed tarballs. */
export interface NpmProjectSpec {
  /** e.g. `esm-ioredis5`; also the folder name. */
  readonly name: string;
  readonly type: 'module' | 'commonjs';
  /** The range of ioredis the user installs next to `@layercache/redis`. */
  readonly ioredis: string;
  /** Whether the user installed the optional `@types/better-sqlite3`. */
  readonly betterSqlite3Types: boolean;
}

export interface NpmInstall {
  /** The first, plain `npm install`: its output, or its failure. */
  readonly first: { readonly ok: boolean; readonly output: string };
  /** `--legacy-peer-deps` had to be used so the other checks could run. */
  readonly forced: boolean;
  readonly ms: number;
}

export interface NpmProject {
  readonly spec: NpmProjectSpec;
  readonly dir: string;
  readonly install: NpmInstall;
  /** The path (relative to `dir`) each example was written to, by example id. */
  readonly examples: ReadonlyMap<string, string>;
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function workspaceVersion(name: string): string {
  // Resolved from a package that has it: the workspace root does not list every tool itself.
  for (const from of [workspaceRoot, join(workspaceRoot, 'packages', 'sqlite')]) {
    try {
      const path = createRequire(join(from, 'package.json')).resolve(`${name}/package.json`);
      return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
    } catch {}
  }
  throw new Error(`${name} is not installed in the workspace: run pnpm install`);
}

/**
 * The native addon the workspace's better-sqlite3 built. npm would compile it again in every
 * project (about a minute each where no prebuilt binary can be downloaded), so the projects
 * install with `--ignore-scripts` and get this file, built for the same version and Node.js.
 */
function betterSqlite3Addon(): string {
  const sqliteDir = join(workspaceRoot, 'packages', 'sqlite');
  const entry = createRequire(join(sqliteDir, 'package.json')).resolve('better-sqlite3');
  return join(realpathSync(dirname(entry)), '..', 'build', 'Release', 'better_sqlite3.node');
}

/** `import * as` every loadable entry point, so tsc reads every published `.d.ts`. */
function entryPointsSource(packages: readonly PublishedPackage[], resolveOnly: readonly string[]) {
  const specifiers = packages
    .flatMap((pkg) => pkg.specifiers)
    .filter((specifier) => !resolveOnly.includes(specifier));
  return `${specifiers
    .map((specifier, i) => `import * as entry${i} from '${specifier}';`)
    .join(
      '\n',
    )}\n\nexport const entryPoints = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`;
}

function exampleFile(example: ReadmeExample): string {
  const folder = example.id.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
  return join('readme', folder, `example.${example.lang}`);
}

async function npmInstall(dir: string, extra: readonly string[]): Promise<RunResult> {
  return run(
    'npm',
    [
      'install',
      '--prefer-offline', // one npm cache (the user's) for every project and every run
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=warn',
      ...extra,
    ],
    { cwd: dir, timeoutMs: 180_000, env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
}

/**
 * Creates `spec` under `root`: a package.json as a user would write it (the tarballs, the peers,
 * TypeScript and @types/node), a strict tsconfig, the entry-point file, the load fixtures and
 * `examples`; then runs `npm install`.
 */
export async function createNpmProject(
  root: string,
  spec: NpmProjectSpec,
  packages: readonly PublishedPackage[],
  tarballs: ReadonlyMap<string, string>,
  examples: readonly ReadmeExample[],
  resolveOnly: readonly string[],
): Promise<NpmProject> {
  const dir = join(root, spec.name);
  mkdirSync(dir);
  const dependencies: Record<string, string> = {};
  for (const pkg of packages) {
    dependencies[pkg.name] = `file:${tarballs.get(pkg.name)}`;
    for (const peer of Object.keys(pkg.peers)) dependencies[peer] = workspaceVersion(peer);
  }
  dependencies.ioredis = spec.ioredis;
  dependencies.typescript = workspaceVersion('typescript');
  dependencies['@types/node'] = workspaceVersion('@types/node');
  if (spec.betterSqlite3Types) {
    dependencies['@types/better-sqlite3'] = workspaceVersion('@types/better-sqlite3');
  }
  const manifest = {
    name: `layercache-package-check-${spec.name}`,
    version: '1.0.0',
    private: true,
    type: spec.type,
    dependencies,
    // The adapters' `@layercache/core: ^x.y.z` is the packed core, not whatever the registry has.
    overrides: { '@layercache/core': '$@layercache/core' },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // What a user would start from: strict, Node's own module rules, and a target Node.js 20 runs
  // (it cannot parse `await using`, so TypeScript lowers it).
  const tsconfig = {
    compilerOptions: { strict: true, module: 'nodenext', target: 'es2022' },
    include: ['entry-points.ts', 'readme/**/*.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  writeFileSync(join(dir, 'entry-points.ts'), entryPointsSource(packages, resolveOnly));
  // `load.js` takes the module system of the project's "type", as a user's file would.
  copyFileSync(join(fixtures, 'smoke.mjs'), join(dir, 'smoke.mjs'));
  copyFileSync(
    join(fixtures, spec.type === 'module' ? 'load.mjs' : 'load.cjs'),
    join(dir, 'load.js'),
  );
  const written = new Map<string, string>();
  for (const example of examples) {
    const file = exampleFile(example);
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), example.code);
    written.set(example.id, file);
  }

  const started = performance.now();
  let first: NpmInstall['first'];
  let forced = false;
  try {
    const { stdout, stderr } = await npmInstall(dir, []);
    first = { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    first = { ok: false, output: error instanceof Error ? error.message : String(error) };
    // Installed anyway, so that what does not depend on the peer ranges is still checked.
    await npmInstall(dir, ['--legacy-peer-deps']);
    forced = true;
  }
  const addonDir = join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(addonDir, { recursive: true });
  copyFileSync(betterSqlite3Addon(), join(addonDir, 'better_sqlite3.node'));
  return {
    spec,
    dir,
    install: { first, forced, ms: performance.now() - started },
    examples: written,
  };
}

/** A new temp folder for the npm projects, outside the workspace. */
export function createNpmRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'layercache-package-check-npm-'));
  if (!relative(workspaceRoot, root).startsWith('..')) {
    throw new Error(`the scratch projects ${root} must be outside the workspace ${workspaceRoot}`);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** One tsc diagnostic: the file it is in (relative to the project) and its text. */
export interface Diagnostic {
  readonly file: string;
  readonly text: string;
}

/** Runs `tsc -p .` once in `dir` (it emits even with errors) and returns its diagnostics. */
export async function compile(dir: string): Promise<Diagnostic[]> {
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  // Not `run`: tsc exits 2 when it reports errors, and the errors are the result.
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', '.', '--pretty', 'false'],
      { cwd: dir, timeout: 110_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null && (error.killed || stdout === '')) {
          reject(
            new Error(`tsc in ${dir} failed (${error.code}):\n${stdout}${stderr}`, {
              cause: error,
            }),
          );
        } else resolve(stdout);
      },
    );
  });
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
    if (match !== null) diagnostics.push({ file: match[1]!, text: line });
    else if (line.trim() !== '' && diagnostics.length > 0) {
      const last = diagnostics.pop()!;
      diagnostics.push({ file: last.file, text: `${last.text}\n${line}` });
    } else if (line.trim() !== '') diagnostics.push({ file: '', text: line });
  }
  return diagnostics;
}
