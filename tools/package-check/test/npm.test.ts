import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import {
  compile,
  createNpmProject,
  createNpmRoot,
  type Diagnostic,
  type NpmProject,
  type NpmProjectSpec,
} from './support/npm-project.js';
import { type ReadmeExample, readWorkspaceExamples } from './support/readme-examples.js';
import { run } from './support/scratch.js';
import { listPublishedPackages, workspaceRoot } from './support/workspace.js';

// What a user of npm gets: the packed tarballs installed with `npm install` into projects of both
// module systems, next to each supported major of ioredis, with and without the optional
// @types/better-sqlite3; every published `.d.ts` compiled under `tsc --strict`, every entry point
// loaded from a `.js` file of the project's own module system, and every README example compiled
// and run as a user copying it would.

const specs: readonly NpmProjectSpec[] = [
  { name: 'esm-ioredis5', type: 'module', ioredis: '^5.4.0', betterSqlite3Types: false },
  { name: 'esm-ioredis6', type: 'module', ioredis: '^6.0.0', betterSqlite3Types: true },
  { name: 'cjs-ioredis5', type: 'commonjs', ioredis: '^5.4.0', betterSqlite3Types: true },
  { name: 'cjs-ioredis6', type: 'commonjs', ioredis: '^6.0.0', betterSqlite3Types: false },
];

/**
 * Type errors inside another package's own `.d.ts` that any strict project without `skipLibCheck`
 * gets from that package alone, with or without ours: ioredis 6.1.0 ships declarations that import
 * the untyped `redis-errors` (TS7016). Set aside by exact file and code, and printed; anything else
 * in any file still fails the check.
 */
const THIRD_PARTY_DEFECTS: readonly RegExp[] = [
  /^node_modules\/ioredis\/built\/errors\/\w+\.d\.ts$/,
];
const isThirdPartyDefect = (d: Diagnostic) =>
  d.text.includes("error TS7016: Could not find a declaration file for module 'redis-errors'") &&
  THIRD_PARTY_DEFECTS.some((file) => file.test(d.file));

/** Only resolved, never loaded: it needs vitest and fast-check (see fixtures/smoke.mjs). */
const resolveOnly = ['@layercache/core/conformance'];

const published = listPublishedPackages();
const built = published.filter((pkg) => pkg.missing.length === 0);
const tarballs = new Map(Object.entries(inject('tarballs')));
const redisUrl = inject('redisUrl');
const { examples } = readWorkspaceExamples(
  workspaceRoot,
  published.map((pkg) => pkg.dir),
);

function examplesFor(spec: NpmProjectSpec): ReadmeExample[] {
  return examples.filter(
    (example) =>
      example.module === spec.type && (spec.betterSqlite3Types || !example.needsBetterSqlite3Types),
  );
}

/** Each project its own database of our server, so no two runs see each other's keys. */
function redisUrlFor(spec: NpmProjectSpec): string | undefined {
  if (redisUrl === undefined || !inject('redisOwned')) return redisUrl;
  return `${redisUrl}/${specs.indexOf(spec) + 1}`;
}

const scratch = createNpmRoot();
const projects = new Map<string, PromiseSettledResult<NpmProject>>();
const compiled = new Map<string, Promise<Diagnostic[]>>();

beforeAll(async () => {
  const packFailure = inject('packFailure');
  const results = await Promise.allSettled(
    specs.map((spec) =>
      packFailure === undefined
        ? createNpmProject(scratch.root, spec, built, tarballs, examplesFor(spec), resolveOnly)
        : Promise.reject(new Error(`pnpm pack failed:\n${packFailure}`)),
    ),
  );
  for (const [i, spec] of specs.entries()) projects.set(spec.name, results[i]!);
  const took = results.map((result, i) =>
    result.status === 'fulfilled'
      ? `${specs[i]!.name} ${Math.round(result.value.install.ms)} ms`
      : `${specs[i]!.name} failed`,
  );
  console.info(`package-check: npm install (side by side): ${took.join(', ')}`);
}, 300_000);

afterAll(() => {
  if (process.env.LAYERCACHE_KEEP_SCRATCH === undefined) scratch.remove();
  else console.info(`package-check: kept ${scratch.root}`);
});

function project(spec: NpmProjectSpec): NpmProject {
  const result = projects.get(spec.name);
  if (result === undefined) throw new Error(`${spec.name} was never set up`);
  if (result.status === 'rejected') {
    throw new Error(`npm could not install ${spec.name}`, { cause: result.reason });
  }
  return result.value;
}

function diagnostics(installed: NpmProject): Promise<Diagnostic[]> {
  let result = compiled.get(installed.spec.name);
  if (result === undefined) {
    result = compile(installed.dir);
    compiled.set(installed.spec.name, result);
  }
  return result;
}

function installedVersion(dir: string, name: string): string {
  const manifest = join(dir, 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

for (const spec of specs)
  describe.concurrent(`npm, "type": "${spec.type}", ioredis ${spec.ioredis}`, () => {
    const types = spec.betterSqlite3Types ? 'with' : 'without';

    it('installs without an ERESOLVE error or a peer dependency warning', ({ expect }) => {
      const { install } = project(spec);
      expect(install.first.ok, install.first.output).toBe(true);
      expect(install.first.output).not.toMatch(/ERESOLVE|peer dep/i);
    });

    it('passes npm ls --all (every installed version satisfies every range)', async () => {
      const { dir } = project(spec);
      await run('npm', ['ls', '--all'], { cwd: dir, timeoutMs: 60_000 });
    });

    it(`has ioredis ${spec.ioredis} installed beside @layercache/redis`, ({ expect }) => {
      const { dir } = project(spec);
      const major = /\d+/.exec(spec.ioredis)![0];
      expect(installedVersion(dir, 'ioredis').split('.')[0]).toBe(major);
    });

    it(`compiles every published .d.ts under tsc --strict ${types} @types/better-sqlite3`, async ({
      expect,
    }) => {
      const found = (await diagnostics(project(spec))).filter((d) => !d.file.startsWith('readme/'));
      const theirs = found.filter(isThirdPartyDefect);
      if (theirs.length > 0) {
        console.info(
          `package-check: set aside, not ours:\n${theirs.map((d) => d.text).join('\n')}`,
        );
      }
      expect(found.filter((d) => !isThirdPartyDefect(d)).map((d) => d.text)).toEqual([]);
    });

    it(`loads every entry point from a "type": "${spec.type}" .js file, and a real call works`, async ({
      expect,
    }) => {
      const { dir } = project(spec);
      const url = redisUrlFor(spec);
      if (url === undefined) {
        throw new Error('no Redis to check @layercache/redis against', {
          cause: inject('redisFailure'),
        });
      }
      const specifiers = built.flatMap((pkg) => pkg.specifiers);
      const { stdout } = await run(process.execPath, ['load.js', ...specifiers], {
        cwd: dir,
        env: { ...process.env, LAYERCACHE_PACKAGE_CHECK_REDIS_URL: url },
        timeoutMs: 60_000,
      });
      const report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(Object.keys(report)).toEqual(specifiers);
    });

    it(`runs what tsc emitted for \`import\` of every entry point (${spec.type === 'module' ? 'import' : 'require()'})`, async ({
      expect,
    }) => {
      const installed = project(spec);
      await diagnostics(installed);
      const emitted = readFileSync(join(installed.dir, 'entry-points.js'), 'utf8');
      expect(emitted).toContain(spec.type === 'module' ? 'import * as' : 'require(');
      await run(process.execPath, ['entry-points.js'], { cwd: installed.dir, timeoutMs: 60_000 });
    });

    for (const example of examplesFor(spec)) {
      if (example.lang === 'ts') {
        it(`compiles the README example ${example.id} under tsc --strict`, async ({ expect }) => {
          const installed = project(spec);
          const file = installed.examples.get(example.id)!;
          const found = await diagnostics(installed);
          expect(found.filter((d) => d.file === file).map((d) => d.text)).toEqual([]);
        });
      }

      it(`runs the README example ${example.id} with node, and it exits by itself`, async () => {
        const installed = project(spec);
        const file = installed.examples.get(example.id)!;
        // A TypeScript example runs as what tsc emitted for it, errors or not (that is the test above).
        if (example.lang === 'ts') await diagnostics(installed);
        const script = file.replace(/\.ts$/, '.js');
        await run(process.execPath, [join(installed.dir, script)], {
          cwd: join(installed.dir, dirname(file)),
          env: {
            ...process.env,
            ...(redisUrlFor(spec) === undefined ? {} : { REDIS_URL: redisUrlFor(spec) }),
            // The SQLite adapter's default file goes here, not into the user's home.
            XDG_CACHE_HOME: join(installed.dir, '.cache'),
          },
          timeoutMs: 90_000,
        });
      });
    }
  });
