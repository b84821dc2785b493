import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `layercache` binary as a child process, feeding `input` to its stdin. */
export function layercache(args: readonly string[], input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs it with `--json` and parses stdout. */
export async function layercacheJson<T>(
  args: readonly string[],
  input = '',
): Promise<T & { status: number | null }> {
  const result = await layercache([...args, '--json'], input);
  try {
    return { ...(JSON.parse(result.stdout) as T), status: result.status };
  } catch {
    throw new Error(`not JSON (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
