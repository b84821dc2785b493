import { isSanitized, type Redactor, sanitizeError } from './redact.js';

/**
 * Names a Redis failure the way an operator can act on it: what failed and where, never a
 * credential. Independent of the client library: the library's own quirks (which error means "gave
 * up because the connection failed") come in through {@link FailureNaming}.
 */

/** What a driver translation tells the namer about its client. */
export interface FailureNaming {
  /** Masks credentials in everything kept. */
  readonly redactor: Redactor;
  /** The user the client authenticates as, for a `WRONGPASS` that does not say. Default: `default`. */
  readonly username?: string | undefined;
  /** Where the client connects (`host:port`), for errors that do not say (a connect timeout). */
  readonly endpoint?: string | undefined;
  /**
   * `true` for an error that only says the client gave up on a command because its connection
   * failed (ioredis: "Reached the max retries per request limit", "Connection is closed."): it is
   * then replaced by the connection's own last error, which says why.
   */
  readonly isGiveUp: (error: unknown) => boolean;
  /** `true` for the client's own per-command timeout ("Command timed out"). */
  readonly isTimeout: (error: unknown) => boolean;
  /** The connection's last failure since it was last ready (already named), if any. */
  readonly lastError: () => Error | undefined;
  /** The bound on every call, for the message of a timeout. */
  readonly timeoutMs: number;
  /** The connection's state when it is not ready (`ioredis status "connecting", host:port`). */
  readonly state?: () => string | undefined;
}

// The names client libraries give an error reply of Redis (ioredis; node-redis 4–6).
const REPLY_ERRORS = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

/**
 * Whether `error` is Redis' reply to a command (NOPERM, WRONGTYPE, OOM…), not a failure to reach
 * it. node-redis' reply errors are named `Error`; their class says what they are.
 */
export function isReplyError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const kind = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return REPLY_ERRORS.has(String(name)) || REPLY_ERRORS.has(String(kind));
}

// What a client sends to set a connection up, before any command of ours.
const SETUP_COMMANDS = new Set([
  'auth',
  'hello',
  'select',
  'info',
  'client',
  'cluster',
  'readonly',
]);

// Node's codes for a certificate that could not be verified (the identity check has its own).
const TLS_VERIFY =
  /^(UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_|ERR_SSL_|ERR_TLS_|HOSTNAME_MISMATCH)/;

interface ErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly host?: unknown;
  readonly reason?: unknown;
  readonly errors?: unknown;
  readonly previousErrors?: unknown;
  readonly lastNodeError?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly command?: { readonly name?: unknown; readonly args?: unknown };
}

function shape(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
}

function messageOf(error: unknown): string {
  const { message } = shape(error);
  return typeof message === 'string' ? message : String(error);
}

/**
 * The user a failed `AUTH` / `HELLO … AUTH` was sent for, read from the command the client
 * attached to its error (Redis protocol, not a library's API): `AUTH [user] password`,
 * `HELLO protover AUTH user password`. Never the password.
 */
function authUser(error: unknown): string | undefined {
  const command = shape(error).command;
  const name = typeof command?.name === 'string' ? command.name.toLowerCase() : '';
  const args = Array.isArray(command?.args) ? command.args : [];
  if (name === 'auth') return args.length >= 2 ? String(args[0]) : 'default';
  if (name === 'hello') {
    const at = args.findIndex((arg) => String(arg).toUpperCase() === 'AUTH');
    if (at >= 0 && args.length > at + 2) return String(args[at + 1]);
  }
  return undefined;
}

/**
 * One line saying what failed: `connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND
 * redis.invalid`, `WRONGPASS for user "cache": invalid username-password pair or user is
 * disabled.`, `TLS: certificate is not valid for host "x" (…)`, the `NOPERM` behind an
 * `EXECABORT`. Not yet redacted.
 */
export function describeFailure(
  error: unknown,
  naming: Pick<FailureNaming, 'username' | 'endpoint'> = {},
): string {
  const failure = shape(error);
  const message = messageOf(error);
  const code = typeof failure.code === 'string' ? failure.code : '';
  // Node's "happy eyeballs" connect reports every address it tried in an AggregateError whose
  // own message is empty.
  if (message === '' && Array.isArray(failure.errors) && failure.errors.length > 0) {
    return [...new Set(failure.errors.map((inner) => describeFailure(inner, naming)))].join('; ');
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const host = typeof failure.host === 'string' ? failure.host : naming.endpoint;
    const reason = typeof failure.reason === 'string' ? ` (${failure.reason})` : '';
    return `TLS: certificate is not valid for host "${host}"${reason}`;
  }
  if (TLS_VERIFY.test(code)) {
    return `TLS: ${message} (${code}${naming.endpoint ? `, connecting to ${naming.endpoint}` : ''})`;
  }
  if (message.startsWith('WRONGPASS')) {
    const user = authUser(error) ?? naming.username ?? 'default';
    return `WRONGPASS for user "${user}":${message.slice('WRONGPASS'.length)}`;
  }
  // A command refused inside MULTI fails EXEC with EXECABORT; the refusal itself (NOPERM, …) is
  // what says what to fix.
  if (message.startsWith('EXECABORT') && Array.isArray(failure.previousErrors)) {
    const first = failure.previousErrors[0];
    if (first !== undefined) return describeFailure(first, naming);
  }
  // A connect timeout says neither where nor to what.
  if (code === 'ETIMEDOUT' && !/\d+\.\d+|:\d+/.test(message) && naming.endpoint) {
    return `${message} (connecting to ${naming.endpoint})`;
  }
  const nested = failure.lastNodeError;
  if (nested !== undefined && nested !== null) {
    return `${message} (${describeFailure(nested, naming)})`;
  }
  return message;
}

/** The named, sanitized copy of a connection failure, as it is kept and shown. */
export function nameConnectionFailure(error: unknown, naming: FailureNaming): Error {
  return sanitizeError(error, naming.redactor, describeFailure(error, naming));
}

/**
 * Turns whatever the client rejected a command with into the error the caller gets (as the
 * `cause` of core's `UnavailableError`): named, and stripped of credentials. A "gave up" or a
 * timeout of the client is replaced by what the connection last failed with.
 */
export function nameCommandFailure(
  error: unknown,
  naming: FailureNaming,
  command?: string,
  key?: string,
): Error {
  // Mapped once already (a reply mapped inside a result handler, then by the deadline).
  if (isSanitized(error)) return error;
  const last = naming.lastError();
  const where = command === undefined ? '' : `${command}${key ? ` ${key}` : ''}`;
  if (naming.isGiveUp(error)) {
    if (last !== undefined) return sanitizeError(last, naming.redactor);
    return sanitizeError(
      error,
      naming.redactor,
      `Redis connection lost${where ? ` before ${where} was answered` : ''}`,
    );
  }
  if (naming.isTimeout(error)) {
    const state = naming.state?.();
    const because = last === undefined ? '' : `: ${last.message}`;
    const text =
      `Redis did not answer ${where || 'a command'} within ${naming.timeoutMs} ms` +
      `${state ? ` (${state})` : ''}${because}`;
    return sanitizeError(error, naming.redactor, text);
  }
  const text = describeFailure(error, naming);
  // A reply to our command (NOPERM on a key, OOM, READONLY, …) says what Redis refused, not to
  // which call: name it. A reply to the connection's own setup (a failed AUTH that the client
  // rejects queued commands with) is about the connection, not this call.
  const failure = shape(error);
  const replied = typeof failure.command?.name === 'string' ? failure.command.name : '';
  const toCall = isReplyError(error) && !SETUP_COMMANDS.has(replied.toLowerCase());
  return sanitizeError(error, naming.redactor, toCall && where ? `${where}: ${text}` : text);
}
