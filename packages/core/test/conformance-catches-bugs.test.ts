import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The conformance suite is only worth something if it fails on broken adapters. This runs it, in
// a child vitest, against stores that each carry one seeded bug (fixtures/*.suite.ts), and reads
// the JSON report: each bug must be caught by the check named for it.

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
    { cwd: packageRoot, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: '1' } },
  );
  expect(child.status, `the suite must fail on broken stores\n${child.stderr}`).toBe(1);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { assertionResults: AssertionResult[] }[];
  };
  results = parsed.testResults.flatMap((f) => f.assertionResults);
}, 250_000);

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
      ...V2_BUGS,
    ]) {
      expect(passesOf(adapter), adapter).toBeGreaterThan(50);
    }
  });
});

const MODEL = (t: string) => t.startsWith('random sequences');
const V2_BUGS = [
  'key shortened to 64 hex characters',
  'algorithm dropped from the key',
  'meta keyed by a 64-character prefix',
  'repository key cut at 200 characters',
  'clear deletes one page',
  'a fault reported as a miss',
  'a fault that hangs',
  'a lost acknowledged write',
  'a fault answered from a local copy',
  'a write swallowed during a fault',
  'a second instance caches locally',
  'path cut at 1024 UTF-8 bytes',
  'length kept in 32 bits',
];

describe('suite v2 catches seeded bugs the first suite let through', () => {
  it('passes a correct networked store with faults, shared and durable declared: no check fails on a good adapter', () => {
    expect(failuresOf('reference networked store')).toEqual([]);
    expect(passesOf('reference networked store')).toBeGreaterThan(180);
  });

  it('fails a store that keys entries by the first 64 hex characters', () => {
    const failed = failuresOf('key shortened to 64 hex characters');
    expect(failed).toContain(
      'add of one digest makes no confusable digest contained (same hex under another algorithm, a shared prefix)',
    );
    expect(failed).toContain(
      'remove of a confusable digest resolves false and leaves the added one contained',
    );
    expect(failed.some(MODEL)).toBe(true);
    // The first suite's algorithm check alone did not see it.
    expect(failed).not.toContain('accepts every supported digest algorithm and keeps them apart');
  });

  it('fails a store that keys entries by the hex without the algorithm', () => {
    const failed = failuresOf('algorithm dropped from the key');
    expect(failed).toContain(
      'add of one digest makes no confusable digest contained (same hex under another algorithm, a shared prefix)',
    );
    expect(failed).toContain(
      'setMeta keeps a separate meta per digest, and none for a confusable digest',
    );
    expect(failed.some(MODEL)).toBe(true);
  });

  it('fails a store whose metas alone are keyed by a prefix (every operation is checked, not only contains)', () => {
    const failed = failuresOf('meta keyed by a 64-character prefix');
    expect(failed).toContain(
      'setMeta keeps a separate meta per digest, and none for a confusable digest',
    );
    expect(failed).toContain(
      'deleteMeta of a confusable digest resolves false and leaves the meta that was set',
    );
    expect(failed).not.toContain(
      'add of one digest makes no confusable digest contained (same hex under another algorithm, a shared prefix)',
    );
  });

  it('fails a store whose repository key is cut at 200 characters, in the model check too', () => {
    const failed = failuresOf('repository key cut at 200 characters');
    expect(failed).toContain('repository names at the 255-character limit work');
    expect(failed.some(MODEL)).toBe(true);
  });

  it('fails a store whose clear deletes one page of keys', () => {
    const failed = failuresOf('clear deletes one page');
    expect(
      failed.some((t) => t.startsWith('clear forgets ') && t.includes(' memberships over ')),
    ).toBe(true);
    // Clearing ten entries, as the first suite did, does not show it.
    expect(failed).not.toContain('clear forgets every membership and meta');
  });

  it('fails a store that reports a backend failure as a miss', () => {
    const failed = failuresOf('a fault reported as a miss');
    expect(failed).toContain(
      'contains while the backend is broken rejects with UnavailableError within timeoutMs',
    );
    expect(failed).toContain(
      'meta while the backend is broken rejects with UnavailableError within timeoutMs',
    );
  });

  it('fails a store whose calls hang while the backend is down', () => {
    const failed = failuresOf('a fault that hangs');
    for (const operation of [
      'contains',
      'add',
      'remove',
      'meta',
      'setMeta',
      'deleteMeta',
      'clear',
    ]) {
      expect(failed).toContain(
        `${operation} while the backend is broken rejects with UnavailableError within timeoutMs`,
      );
    }
  });

  it('fails a store that loses acknowledged writes when its backend comes back', () => {
    const failed = failuresOf('a lost acknowledged write');
    expect(failed).toContain(
      'nothing acknowledged before the break is lost after heal, nor after reopening',
    );
  });

  it('fails a store that answers true from a local copy while its backend is down', () => {
    const failed = failuresOf('a fault answered from a local copy');
    expect(failed).toContain(
      'contains while the backend is broken rejects with UnavailableError within timeoutMs',
    );
  });

  it('fails a store that acknowledges writes it could not make', () => {
    const failed = failuresOf('a write swallowed during a fault');
    expect(failed).toContain(
      'add while the backend is broken rejects with UnavailableError within timeoutMs',
    );
    expect(failed).toContain(
      'setMeta while the backend is broken rejects with UnavailableError within timeoutMs',
    );
  });

  it('fails a second instance that caches what it read and misses a revocation by the other', () => {
    const failed = failuresOf('a second instance caches locally');
    expect(failed).toContain(
      'a remove by one instance is seen by the other, which had read it as true',
    );
    expect(failed).toContain(
      'a revocation by one instance survives later adds to other repositories by either',
    );
  });

  it('fails a store that cuts paths at 1024 bytes, in the model check too', () => {
    const failed = failuresOf('path cut at 1024 UTF-8 bytes');
    expect(failed).toContain('round-trips a path of 4096 ASCII bytes');
    expect(failed.some(MODEL)).toBe(true);
  });

  it('fails a store that keeps lengths in 32 bits, in the model check too', () => {
    const failed = failuresOf('length kept in 32 bits');
    expect(failed).toContain('round-trips length 2^32 (past 32-bit integers)');
    expect(failed.some(MODEL)).toBe(true);
  });
});
