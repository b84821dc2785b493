import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScratch, run, type Scratch } from './support/scratch.js';
import {
  listPublishedPackages,
  notBuilt,
  type PublishedPackage,
  workspaceRoot,
} from './support/workspace.js';

// Packs every published package, installs the tarballs into a project outside the workspace, and
// loads each entry point there with `import` and with `require()` — what a consumer gets from the
// registry, not what the workspace's symlinks happen to resolve.

const published = listPublishedPackages();
const built = published.filter((pkg) => pkg.missing.length === 0);
const core = published.find((pkg) => pkg.name === '@layercache/core');

const tarballs = new Map(Object.entries(inject('tarballs')));
const redisUrl = inject('redisUrl');
const redisFailure = inject('redisFailure');

let scratch: Scratch | undefined;
let setupFailure: unknown;

beforeAll(async () => {
  const packFailure = inject('packFailure');
  if (packFailure !== undefined) {
    setupFailure = new Error(`pnpm pack failed:\n${packFailure}`);
    return;
  }
  try {
    scratch = await createScratch(built, tarballs);
  } catch (error) {
    setupFailure = error;
    return;
  }
  console.info(
    `package-check: pnpm pack of ${built.length} packages took ${Math.round(inject('packMs'))} ms, pnpm install into ${scratch.dir} took ${Math.round(scratch.timings.install)} ms`,
  );
}, 240_000);

afterAll(() => {
  if (process.env.LAYERCACHE_KEEP_SCRATCH === undefined) scratch?.remove();
  else if (scratch !== undefined) console.info(`package-check: kept ${scratch.dir}`);
});

/** The installed scratch project, or the reason there is none for `pkg`. */
function installedFor(pkg: PublishedPackage): Scratch {
  if (pkg.missing.length > 0) throw new Error(notBuilt(pkg));
  if (core !== undefined && core.missing.length > 0) {
    throw new Error(`${pkg.name} cannot be installed without its core: ${notBuilt(core)}`);
  }
  if (scratch === undefined) {
    throw new Error('the scratch project could not be set up', { cause: setupFailure });
  }
  return scratch;
}

/** A command-line tool installed at the workspace root (publint, attw). */
function bin(name: string): string {
  return join(workspaceRoot, 'node_modules', '.bin', name);
}

type AttwReport = Record<string, { types: boolean; problems: unknown[] }>;
let attwRun: Promise<AttwReport> | undefined;

/** attw's analysis of every tarball, made once (loading TypeScript is most of its cost). */
function attwReport(installed: Scratch): Promise<AttwReport> {
  attwRun ??= (async () => {
    const cli = realpathSync(join(workspaceRoot, 'node_modules', '@arethetypeswrong', 'cli'));
    const script = fileURLToPath(new URL('./support/attw.mjs', import.meta.url));
    const { stdout } = await run(
      process.execPath,
      [script, join(cli, '..', 'core'), ...installed.tarballs.values()],
      { cwd: workspaceRoot, timeoutMs: 110_000 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as AttwReport;
  })();
  return attwRun;
}

type Report = Record<string, { names?: string[]; resolved?: string }>;

async function load(dir: string, script: string, specifiers: readonly string[]): Promise<Report> {
  if (redisUrl === undefined && specifiers.some((s) => s.startsWith('@layercache/redis'))) {
    throw new Error('no Redis to check @layercache/redis against', { cause: redisFailure });
  }
  const env = { ...process.env, LAYERCACHE_PACKAGE_CHECK_REDIS_URL: redisUrl };
  const { stdout } = await run(process.execPath, [script, ...specifiers], {
    cwd: dir,
    env,
    timeoutMs: 30_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Report;
}

it('finds the five published packages of the design', () => {
  expect(published.map((pkg) => pkg.name)).toEqual(
    expect.arrayContaining([
      '@layercache/core',
      '@layercache/lru',
      '@layercache/memory',
      '@layercache/redis',
      '@layercache/sqlite',
    ]),
  );
});

// Each package's checks are child processes: running them side by side hides their start-up.
describe.concurrent.each(published)('$name', (pkg) => {
  it('has the built files its exports point at', () => {
    if (pkg.missing.length > 0) throw new Error(notBuilt(pkg));
  });

  it('packs a package.json with real versions instead of workspace: ranges', ({ expect }) => {
    const { dir } = installedFor(pkg);
    const manifest = readFileSync(
      join(dir, 'node_modules', ...pkg.name.split('/'), 'package.json'),
      'utf8',
    );
    expect(manifest).not.toContain('workspace:');
  });

  it('ships the Apache-2.0 LICENSE, its README and its package.json in the tarball', async ({
    expect,
  }) => {
    const { dir } = installedFor(pkg);
    const installed = join(dir, 'node_modules', ...pkg.name.split('/'));
    const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(workspaceRoot, 'LICENSE'), 'utf8'));
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(existsSync(join(installed, 'README.md'))).toBe(true);
  });

  it('names in `files` only what the tarball then holds', async ({ expect }) => {
    const tarball = installedFor(pkg).tarballs.get(pkg.name)!;
    const { stdout } = await run('tar', ['-tzf', tarball], {
      cwd: workspaceRoot,
      timeoutMs: 30_000,
    });
    const packed = stdout.split('\n').map((entry) => entry.replace(/^package\//, ''));
    const files = (pkg.manifest as { files?: string[] }).files ?? [];
    const missing = files
      .filter((entry) => !entry.startsWith('!'))
      .filter((entry) => !packed.some((file) => file === entry || file.startsWith(`${entry}/`)));
    expect(missing, 'entries of `files` that match nothing (npm skips them silently)').toEqual([]);
  });

  it('points at its folder of the repository, so README links resolve on the registry page', ({
    expect,
  }) => {
    const { dir } = installedFor(pkg);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'node_modules', ...pkg.name.split('/'), 'package.json'), 'utf8'),
    ) as { repository?: unknown; homepage?: unknown; bugs?: unknown; license?: unknown };
    const folder = relative(workspaceRoot, pkg.dir).split(sep).join('/');
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/layercache/layercache.git',
      directory: folder,
    });
    expect(manifest.homepage).toBe(
      `https://github.com/layercache/layercache/tree/main/${folder}#readme`,
    );
    expect(manifest.bugs).toEqual({ url: 'https://github.com/layercache/layercache/issues' });
  });

  it('passes publint --strict on its tarball', async () => {
    const tarball = installedFor(pkg).tarballs.get(pkg.name)!;
    await run(bin('publint'), ['run', tarball, '--strict'], {
      cwd: workspaceRoot,
      timeoutMs: 60_000,
    });
  });

  it('passes attw --profile esm-only on its tarball (types resolve for ESM and bundlers)', async ({
    expect,
  }) => {
    const installed = installedFor(pkg);
    const result = (await attwReport(installed))[installed.tarballs.get(pkg.name)!];
    expect(result?.types, `${pkg.name} ships no types`).toBe(true);
    expect(result?.problems).toEqual([]);
  });

  it('loads the same names with import and require(), and a real call works both ways', async ({
    expect,
  }) => {
    const { dir } = installedFor(pkg);
    const [esm, cjs] = await Promise.all([
      load(dir, 'load.mjs', pkg.specifiers),
      load(dir, 'load.cjs', pkg.specifiers),
    ]);
    expect(Object.keys(esm)).toEqual(pkg.specifiers);
    for (const specifier of pkg.specifiers) {
      const fromImport = esm[specifier]!;
      const fromRequire = cjs[specifier]!;
      if (fromImport.resolved !== undefined) {
        // Resolved only (it needs optional peers): both ways must reach the same installed file.
        expect(fromRequire.resolved).toBe(fromImport.resolved);
        expect(fromImport.resolved.startsWith(dir)).toBe(true);
        expect(existsSync(fromImport.resolved)).toBe(true);
        continue;
      }
      expect(fromImport.names?.length, `${specifier} exports nothing`).toBeGreaterThan(0);
      expect(fromRequire.names, specifier).toEqual(fromImport.names);
    }
  });
});

it('resolves @layercache/core/conformance from ESM in the scratch project', async () => {
  if (core === undefined) throw new Error('@layercache/core is not in the workspace');
  const { dir } = installedFor(core);
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "console.log(import.meta.resolve('@layercache/core/conformance'))",
    ],
    { cwd: dir, timeoutMs: 30_000 },
  );
  expect(stdout.trim()).toMatch(
    /\/node_modules\/.*\/@layercache\/core\/dist\/conformance\/index\.js$/,
  );
});

it('runs the conformance suite of the packed core against the packed memory adapter with one call', async () => {
  if (core === undefined) throw new Error('@layercache/core is not in the workspace');
  const { authorDir } = installedFor(core);
  if (authorDir === undefined) {
    throw new Error('@layercache/memory is not in the workspace: nothing to run the suite on');
  }
  // The child vitest must not believe it runs inside this one.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')),
  );
  const outputFile = join(authorDir, 'report.json');
  await run(
    join(authorDir, 'node_modules', '.bin', 'vitest'),
    ['run', '--reporter=json', `--outputFile=${outputFile}`],
    { cwd: authorDir, env: { ...env, LAYERCACHE_CONFORMANCE_RUNS: '25' }, timeoutMs: 110_000 },
  );
  const report = JSON.parse(readFileSync(outputFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    testResults: {
      assertionResults: { ancestorTitles: string[]; title: string; status: string }[];
    }[];
  };
  expect(report.numFailedTests).toBe(0);
  expect(report.numPassedTests).toBeGreaterThan(50);
  // The third-party adapter written from the README declares faults and sharing: those checks
  // ran (and passed) rather than being skipped.
  const thirdParty = report.testResults
    .flatMap((file) => file.assertionResults)
    .filter((r) =>
      r.ancestorTitles.some((t) =>
        t.endsWith(': third-party remote adapter, installed from the tarball'),
      ),
    );
  for (const capability of [
    'faults (capability "faults")',
    'shared storage (capability "shared")',
  ]) {
    const checks = thirdParty.filter((r) => r.ancestorTitles.includes(capability));
    expect(checks.length, capability).toBeGreaterThan(5);
    expect(
      checks.filter((r) => r.status !== 'passed').map((r) => r.title),
      capability,
    ).toEqual(
      // Only the cross-process checks, which need a processModule this adapter did not declare.
      checks.filter((r) => r.title.includes('another process')).map((r) => r.title),
    );
  }
});
