import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The conformance suite is only worth something if it fails on broken adapters. This runs it, in
// a child vitest, against three stores that each carry one seeded bug, and reads the JSON report.

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
let results: AssertionResult[] = [];
let workDir = '';

function failuresOf(adapter: string): string[] {
  return results
    .filter(
      (r) => r.status === 'failed' && r.ancestorTitles.some((t) => t.endsWith(`: ${adapter}`)),
    )
    .map((r) => r.title);
}

function passesOf(adapter: string): number {
  return results.filter(
    (r) => r.status === 'passed' && r.ancestorTitles.some((t) => t.endsWith(`: ${adapter}`)),
  ).length;
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'layercache-broken-'));
  const report = join(workDir, 'report.json');
  const child = spawnSync(
    process.execPath,
    [
      join(packageRoot, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'test/fixtures/vitest.broken.config.ts',
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    { cwd: packageRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } },
  );
  expect(child.status, `the suite must fail on broken stores\n${child.stderr}`).toBe(1);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { assertionResults: AssertionResult[] }[];
  };
  results = parsed.testResults.flatMap((f) => f.assertionResults);
}, 150_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the conformance suite catches seeded bugs', () => {
  it('fails a store whose contains ignores the repository', () => {
    const failed = failuresOf('contains ignores the repository');
    expect(failed).toContain(
      'membership is per repository: adding to a/b says nothing about its neighbours',
    );
    expect(failed.some((t) => t.startsWith('random sequences'))).toBe(true);
  });

  it('fails a store whose remove leaks through a later add to another repository', () => {
    const failed = failuresOf('remove leaks');
    expect(failed).toContain(
      'a later add to another repository does not bring a revoked membership back',
    );
    expect(failed.some((t) => t.startsWith('random sequences'))).toBe(true);
  });

  it('fails a store whose setMeta drops the length', () => {
    const failed = failuresOf('setMeta drops length');
    expect(failed).toContain('setMeta then meta returns the same path and length');
    expect(failed.some((t) => t.startsWith('random sequences'))).toBe(true);
  });

  it('still passes the checks each broken store does not break', () => {
    for (const adapter of [
      'contains ignores the repository',
      'remove leaks',
      'setMeta drops length',
    ]) {
      expect(passesOf(adapter), adapter).toBeGreaterThan(50);
    }
  });
});
