import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The capability checks are only worth something if they fail on broken capabilities. This runs
// the suite, in a child vitest, against stores that each carry one seeded bug in forgetDigest or
// entries, and reads the JSON report.

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
let results: AssertionResult[] = [];
let workDir = '';

function of(adapter: string, status: AssertionResult['status']): AssertionResult[] {
  return results.filter(
    (r) => r.status === status && r.ancestorTitles.some((t) => t.endsWith(`: ${adapter}`)),
  );
}
const failuresOf = (adapter: string) => of(adapter, 'failed').map((r) => r.title);
const inGroup = (r: AssertionResult, group: string) =>
  r.ancestorTitles.some((t) => t.startsWith(group));

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'layercache-broken-capabilities-'));
  const report = join(workDir, 'report.json');
  const child = spawnSync(
    process.execPath,
    [
      join(packageRoot, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'test/fixtures/vitest.broken-capabilities.config.ts',
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    { cwd: packageRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } },
  );
  expect(child.status, `the suite must fail on broken capabilities\n${child.stderr}`).toBe(1);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { assertionResults: AssertionResult[] }[];
  };
  results = parsed.testResults.flatMap((f) => f.assertionResults);
}, 150_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the capability checks catch seeded bugs', () => {
  it('fails a forgetDigest that stops at the first repository', () => {
    expect(failuresOf('forgetDigest stops at the first repository')).toContain(
      'removes the digest in every repository and resolves how many',
    );
  });

  it('fails a forgetDigest that ignores the algorithm', () => {
    expect(failuresOf('forgetDigest ignores the algorithm')).toContain(
      'keeps the same hex under another algorithm, and every algorithm apart',
    );
  });

  it('fails a forgetDigest that deletes the meta too', () => {
    expect(failuresOf('forgetDigest deletes the meta too')).toEqual([
      'leaves the meta of the digest alone',
    ]);
  });

  it('fails an entries that repeats the row at each page boundary', () => {
    expect(failuresOf('entries repeats the row at each page boundary')).toContain(
      'lists thousands of entries once each (past any page size)',
    );
  });

  it('fails an entries that leaves out the metas', () => {
    expect(failuresOf('entries leaves out the metas')).toContain(
      'lists every membership and meta exactly once',
    );
  });

  it('fails every check of a capability that is declared but missing', () => {
    const failed = of('declared but missing', 'failed');
    expect(failed.filter((r) => inGroup(r, 'capability "forgetDigest"')).length).toBe(11);
    expect(failed.filter((r) => inGroup(r, 'capability "entries"')).length).toBe(12);
  });

  it('reports the checks of undeclared capabilities as skipped, with the reason, never passed', () => {
    const capabilityResults = results.filter(
      (r) =>
        r.ancestorTitles.some((t) => t.endsWith(': undeclared')) &&
        r.ancestorTitles.some((t) => t.startsWith('capability')),
    );
    expect(capabilityResults.length).toBe(23);
    expect(capabilityResults.every((r) => r.status === 'skipped')).toBe(true);
    expect(
      capabilityResults.every((r) => r.ancestorTitles.some((t) => t.includes('not declared'))),
    ).toBe(true);
  });

  it('passes the correct store declared with no capabilities', () => {
    expect(failuresOf('undeclared')).toEqual([]);
  });
});
