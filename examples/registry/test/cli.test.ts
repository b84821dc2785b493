import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './tools/processes.js';

// The built command, as `pnpm registry` runs it.
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'layercache-registry-cli-'));
  await mkdir(join(root, 'docker/registry/v2/repositories'), { recursive: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const exitOf = (args: string[]) =>
  run(process.execPath, [MAIN, ...args]).then(
    (result) => ({ code: 0, ...result }),
    (error: { exitCode: number; stdout: string; stderr: string }) => ({
      code: error.exitCode,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

describe('pnpm registry', () => {
  it('prints its usage with --help and exits 0', async () => {
    const result = await exitOf(['--', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--adapter NAME');
    expect(result.stdout).toContain('--redis-url URL');
  });

  it.each([
    [['--port', '1'], '--root DIR is required'],
    [['--root', '.', '--bogus'], "Unknown option '--bogus'"],
    [['--root', '/nonexistent', '--port', '0'], 'is not registry storage'],
    [['--root', '.', '--adapter', 'mongo'], '--adapter must be one of'],
    [['--root', '.', '--adapter', 'redis'], '--redis-url goes with --adapter redis'],
    [['--root', '.', '--port', '70000'], '--port must be 0 to 65535'],
  ])('exits 2 with a one-line reason for bad usage %j', async (args, message) => {
    const result = await exitOf(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('    at ');
  });

  it('prints its URL, serves GET /v2/ and stops on SIGTERM with exit 0', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, '--root', root, '--port', '0', '--adapter', 'memory'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/v2/`);
    expect(response.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
