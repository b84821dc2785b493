import { type ChildProcess, execFile } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, chosen by the operating system. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The first of `names` found on `PATH`, or `undefined`. */
export async function findExecutable(names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const found = await run('sh', ['-c', `command -v ${name}`]).catch(() => undefined);
    if (found !== undefined && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return undefined;
}

/** Output of a finished command. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A command that exited with a non-zero status; its stderr is in the message. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs a command to completion; rejects with {@link CommandError} on a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  options: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        env: options.env ?? process.env,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        reject(
          new CommandError(
            `${file} ${args.join(' ')} failed (${code ?? error.signal ?? error.message}): ${stderr.trim()}`,
            code,
            stdout,
            stderr,
          ),
        );
      },
    );
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
