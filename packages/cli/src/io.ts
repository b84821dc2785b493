import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface Io {
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Messages and the progress bar; `isTTY` decides whether the bar is drawn. */
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number };
}

/** Exit statuses, one meaning each. */
export const Exit = {
  ok: 0,
  /** `verify` found stale entries (without `--fix`), or an operation failed. */
  failed: 1,
  usage: 2,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

/** A mistake of the caller: printed with a pointer to `--help`, exit status 2, no stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on from its message alone: exit status 1, no stack trace. */
export class CommandError extends Error {
  override name = 'CommandError';
}

export function print(stream: Io['stdout'], line = ''): void {
  stream.write(`${line}\n`);
}

export function printJson(io: Io, value: unknown): void {
  print(io.stdout, JSON.stringify(value, null, 2));
}
