import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `pnpm demo -- --serve` with the real example registry (built: the root `pnpm test` builds
// everything first) and a real skopeo pulling from it.
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('demo --serve', () => {
  it('keeps the example registry running on the tree until Ctrl-C, and skopeo pulls from it', async () => {
    const child = spawn(
      process.execPath,
      [
        demo,
        '--serve',
        '--adapter',
        'memory',
        '--repos',
        '10',
        '--requests',
        '100',
        '--latency-ms',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /skopeo inspect --tls-verify=false docker:\/\/(127\.0\.0\.1:\d+)\//.exec(out);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      exited.then((code) => reject(new Error(`demo exited with ${code}: ${stderr}`)));
    });

    const manifest = await fetch(`http://${address}/v2/library/alpine/manifests/latest`);
    expect(manifest.status).toBe(200);
    const { stdout } = await run('skopeo', [
      '--insecure-policy',
      'inspect',
      '--tls-verify=false',
      '--no-creds',
      `docker://${address}/library/alpine:latest`,
    ]);
    expect(JSON.parse(stdout).Digest).toBe(manifest.headers.get('docker-content-digest'));
    const pulled = await mkdtemp(join(tmpdir(), 'layercache-demo-pull-'));
    dirs.push(pulled);
    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--src-no-creds',
      `docker://${address}/team-9/app-9:latest`,
      `oci:${pulled}:latest`,
    ]);
    expect(existsSync(join(pulled, 'index.json'))).toBe(true);

    const tree = /serving (\S+) with cache/.exec(stderr)?.[1];
    expect(tree).toBeDefined();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(existsSync(tree ?? '/')).toBe(false);
  });
});
