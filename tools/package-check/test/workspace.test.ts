import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { listPublishedPackages, notBuilt } from './support/workspace.js';

const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A throw-away workspace with one package per entry of `manifests`, keyed by folder. */
function fakeWorkspace(manifests: Record<string, object>, files: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), 'layercache-package-check-workspace-'));
  roots.push(root);
  for (const [folder, manifest] of Object.entries(manifests)) {
    mkdirSync(join(root, 'packages', folder), { recursive: true });
    writeFileSync(join(root, 'packages', folder, 'package.json'), JSON.stringify(manifest));
  }
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

const exportsMap = {
  '.': { types: './dist/index.d.ts', default: './dist/index.js' },
  './extra': { types: './dist/extra/index.d.ts', default: './dist/extra/index.js' },
  './package.json': './package.json',
};

it('says "run pnpm build first" for a package whose exports point at missing files', () => {
  const root = fakeWorkspace({ a: { name: '@x/a', version: '1.0.0', exports: exportsMap } }, [
    'packages/a/dist/index.js',
    'packages/a/dist/index.d.ts',
  ]);
  const [pkg] = listPublishedPackages(root);
  expect(pkg?.missing).toEqual(['./dist/extra/index.d.ts', './dist/extra/index.js']);
  expect(notBuilt(pkg!)).toMatch(
    /@x\/a is not built: .*dist\/extra\/index\.js.* run pnpm build first/,
  );
});

it('lists the package and each exported subpath as a specifier, but not package.json', () => {
  const root = fakeWorkspace({ a: { name: '@x/a', version: '1.0.0', exports: exportsMap } });
  expect(listPublishedPackages(root)[0]?.specifiers).toEqual(['@x/a', '@x/a/extra']);
});

it('leaves private packages out', () => {
  const root = fakeWorkspace({
    a: { name: '@x/a', version: '1.0.0', exports: exportsMap },
    b: { name: '@x/b', version: '1.0.0', private: true },
  });
  expect(listPublishedPackages(root).map((pkg) => pkg.name)).toEqual(['@x/a']);
});

it('tells required peers from optional ones', () => {
  const root = fakeWorkspace({
    a: {
      name: '@x/a',
      version: '1.0.0',
      exports: exportsMap,
      peerDependencies: { 'left-pad': '^1.0.0', vitest: '^4.0.0' },
      peerDependenciesMeta: { vitest: { optional: true } },
    },
  });
  // Not installed in the fake workspace, so the range itself is what gets installed.
  const [pkg] = listPublishedPackages(root);
  expect(pkg?.peers).toEqual({ 'left-pad': '^1.0.0' });
  expect(Object.keys(pkg?.optionalPeers ?? {})).toEqual(['vitest']);
});
