import { parseArgs } from 'node:util';

/** A bad command line: the message is printed with the usage hint and the process exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The flags a command accepts: every flag is a string or a boolean switch. */
export type FlagSpec = Readonly<Record<string, { type: 'string' | 'boolean'; short?: string }>>;

/** Parsed flags: each present or `undefined`. */
export type FlagValues<T extends FlagSpec> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * Parses flags with `node:util` `parseArgs`, strictly: an unknown flag, a missing value or a
 * stray positional argument is a {@link UsageError} whose message names the culprit.
 *
 * A leading `--` is dropped because `pnpm demo -- --adapter memory` forwards it verbatim.
 */
export function parseFlags<const T extends FlagSpec>(
  argv: readonly string[],
  options: T,
): FlagValues<T> {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false })
      .values as FlagValues<T>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, '.'), {
      cause: error,
    });
  }
}

/** Options of {@link integerFlag}. */
export interface IntegerRange {
  /** Smallest accepted value. Default: 1. */
  readonly min?: number;
  /** Largest accepted value. Default: `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
}

/** Reads an integer flag (`--requests 500`), or `fallback` when absent. */
export function integerFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  range: IntegerRange = {},
): number {
  if (raw === undefined) return fallback;
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = range;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads a number flag (`--skew 1.1`), or `fallback` when absent. */
export function numberFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  range: { readonly min: number; readonly max: number },
): number {
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    throw new UsageError(
      `--${name} must be a number from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
}

/** Reads a flag that must be one of `choices`. */
export function choiceFlag<const C extends readonly string[]>(
  name: string,
  raw: string | undefined,
  choices: C,
  fallback: C[number],
): C[number] {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as C[number];
}

/**
 * Runs a command's `main`, turning a {@link UsageError} into exit code 2 and any other failure
 * into exit code 1, each with a one-line message on stderr (no stack unless `DEBUG` is set).
 */
export async function runCommand(
  command: string,
  main: (argv: readonly string[]) => Promise<void>,
): Promise<void> {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\nRun "${command} --help" for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const detail = process.env.DEBUG && error instanceof Error ? error.stack : errorMessage(error);
    process.stderr.write(`${command}: ${detail}\n`);
    process.exitCode = 1;
  }
}

/** The message of an error, following `cause` one level so "unavailable" says why. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
