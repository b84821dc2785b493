// Runs Are the Types Wrong (the library behind `attw`) on several tarballs in one process, so
// TypeScript is loaded once instead of once per package, and applies the `esm-only` profile the
// packages' `check:package` scripts use: problems of the node10 and node16-from-CJS resolutions
// are ignored (we ship ESM only; `require()` works through Node's require(esm), not through types).
//
// Usage: node attw.mjs <path to @arethetypeswrong/core> <tarball>...; prints one JSON line:
// { [tarball]: { types: boolean, problems: [...] } }.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ignoredResolutions = ['node10', 'node16-cjs'];
const [coreDir, ...tarballs] = process.argv.slice(2);
const attw = await import(pathToFileURL(join(coreDir, 'dist', 'index.js')).href);

const report = {};
for (const tarball of tarballs) {
  const pkg = attw.createPackageFromTarballData(new Uint8Array(await readFile(tarball)));
  const analysis = await attw.checkPackage(pkg);
  report[tarball] = {
    types: Boolean(analysis.types),
    problems: (analysis.problems ?? []).filter(
      (problem) =>
        !('resolutionKind' in problem) || !ignoredResolutions.includes(problem.resolutionKind),
    ),
  };
}
process.stdout.write(`${JSON.stringify(report)}\n`);
