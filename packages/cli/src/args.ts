import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io.js';

export const COMMANDS = ['forget', 'verify', 'stats', 'clear'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Which cache a command works on, as the user named it. */
export type BackendChoice =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | {
      readonly kind: 'redis';
      readonly urls: readonly string[];
      readonly prefix: string | undefined;
      readonly driver: string;
    };

export interface ParsedCommand {
  readonly command: CommandName;
  readonly backend: BackendChoice;
  readonly json: boolean;
  readonly fromGcLog?: string;
  readonly dryRun?: boolean;
  readonly root?: string;
  readonly fix?: boolean;
}

export type Invocation =
  | { readonly kind: 'help'; readonly command?: CommandName }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly parsed: ParsedCommand };

const BACKEND_OPTIONS = {
  sqlite: { type: 'string' },
  redis: { type: 'string', multiple: true },
  prefix: { type: 'string' },
  driver: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OPTIONS = {
  forget: { ...BACKEND_OPTIONS, 'from-gc-log': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  verify: { ...BACKEND_OPTIONS, root: { type: 'string' }, fix: { type: 'boolean' } },
  stats: BACKEND_OPTIONS,
  clear: BACKEND_OPTIONS,
} as const;

const isCommand = (word: string | undefined): word is CommandName =>
  (COMMANDS as readonly string[]).includes(word ?? '');

/** Reads the command line. Throws {@link UsageError} for anything it cannot make sense of. */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined)
    throw new UsageError('a command is needed (forget, verify, stats or clear)');
  if (first === '-h' || first === '--help' || first === 'help') {
    const topic = rest[0];
    return isCommand(topic) && first === 'help'
      ? { kind: 'help', command: topic }
      : { kind: 'help' };
  }
  if (first === '-v' || first === '--version') return { kind: 'version' };
  if (!isCommand(first)) {
    throw new UsageError(
      first.startsWith('-')
        ? `a command comes first, got the option ${first}`
        : `unknown command "${first}" (commands: ${COMMANDS.join(', ')})`,
    );
  }
  const command = first;
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', command };

  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const options: NonNullable<ParseArgsConfig['options']> = OPTIONS[command];
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    // parseArgs' messages are good; drop the advice it gives about "--" (not ours to give).
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`, command);
  }

  const text = (name: string) => {
    const value = values[name] as string | undefined;
    if (value === '') throw new UsageError(`--${name} needs a value`, command);
    return value;
  };
  const flag = (name: string) => values[name] === true;

  const parsed: ParsedCommand = {
    command,
    backend: backendOf(values, text, command),
    json: flag('json'),
    ...(command === 'forget' && {
      fromGcLog: required(
        text('from-gc-log'),
        '--from-gc-log FILE (or - for standard input)',
        command,
      ),
      dryRun: flag('dry-run'),
    }),
    ...(command === 'verify' && {
      root: required(text('root'), '--root DIR', command),
      fix: flag('fix'),
    }),
  };
  return { kind: 'run', parsed };
}

function required(value: string | undefined, what: string, command: CommandName): string {
  if (value === undefined) throw new UsageError(`${command} needs ${what}`, command);
  return value;
}

function backendOf(
  values: Record<string, unknown>,
  text: (name: string) => string | undefined,
  command: CommandName,
): BackendChoice {
  const sqlite = text('sqlite');
  const urls = (values.redis as string[] | undefined) ?? [];
  const prefix = values.prefix as string | undefined;
  const driver = text('driver');
  if (sqlite !== undefined && urls.length > 0) {
    throw new UsageError('give either --sqlite or --redis, not both', command);
  }
  if (sqlite !== undefined) {
    if (prefix !== undefined || driver !== undefined) {
      throw new UsageError(
        `${prefix !== undefined ? '--prefix' : '--driver'} applies to --redis only`,
        command,
      );
    }
    return { kind: 'sqlite', filename: sqlite };
  }
  if (urls.length === 0) {
    throw new UsageError('name the cache: --sqlite FILE or --redis URL', command);
  }
  if (urls.some((url) => url === '')) throw new UsageError('--redis needs a URL', command);
  return { kind: 'redis', urls, prefix, driver: driver ?? 'ioredis' };
}
