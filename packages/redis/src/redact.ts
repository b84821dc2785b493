/**
 * Keeps credentials out of everything an error carries: messages, `cause` chains and properties.
 * Knows nothing about a client library, so every driver translation (ioredis today) uses it as is.
 *
 * Two layers, because either alone leaks: errors are rebuilt from a short list of harmless fields
 * (a Redis client attaches the failed command's arguments — the password of a failed `AUTH` — to
 * its errors, and a logger prints every property), and the text that is kept has every URL's
 * password and every known secret masked, in case a message quotes one.
 */

/** What a masked credential reads as. */
export const MASK = '***';

// Secrets shorter than this are not searched for in messages: masking every "ab" would garble
// every message, and the structural rebuild below is what keeps such a password out anyway.
const MIN_SECRET_LENGTH = 4;

// Query parameters that carry a credential (ioredis reads `?password=` as an option).
const SECRET_PARAMETER = /pass|secret|token|auth|key|cred/i;

/**
 * Masks the password of a URL, and credential query parameters, without needing the URL to parse:
 * a malformed URL (`redis://cache:secret@127.0.0.1:99999`) is where a message is most likely to
 * quote it. The user name and everything else are kept: `redis://cache:***@127.0.0.1:99999/2`.
 *
 * @example
 * ```ts
 * redactUrl('rediss://cache:s3cret@redis:6380/2'); // 'rediss://cache:***@redis:6380/2'
 * ```
 */
export function redactUrl(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url;
  const start = scheme + 3;
  // The user info ends at the last `@` of the authority; since a password may itself hold `/`,
  // `?` or `#` when it was not percent-encoded, take the last `@` of the whole string instead.
  const at = url.lastIndexOf('@');
  let redacted = url;
  if (at >= start) {
    const userInfo = url.slice(start, at);
    const colon = userInfo.indexOf(':');
    // Without a `:` it may be a password pasted without its user: mask it whole.
    const shown = colon < 0 ? MASK : `${userInfo.slice(0, colon)}:${MASK}`;
    redacted = `${url.slice(0, start)}${shown}${url.slice(at)}`;
  }
  return redacted.replace(
    /([?&;])([^=&;#]*)=([^&;#]*)/g,
    (whole, separator: string, name: string) =>
      SECRET_PARAMETER.test(name) ? `${separator}${name}=${MASK}` : whole,
  );
}

// Anything that looks like a URL inside a message.
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;

/** Masks what must never be shown. Built once per cache from the credentials it was given. */
export interface Redactor {
  /** `text` with every URL password and every known secret masked. */
  text(text: string): string;
}

/**
 * A redactor for these secrets (passwords, TLS keys and passphrases; strings or bytes, as a
 * client's options hold them). Empty and very short values are ignored (see above).
 */
export function createRedactor(secrets: Iterable<string | Uint8Array>): Redactor {
  const known = new Set<string>();
  for (const secret of secrets) {
    const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('utf8');
    if (text.length >= MIN_SECRET_LENGTH) {
      known.add(text);
      // Also as a URL would carry it.
      const encoded = encodeURIComponent(text);
      if (encoded !== text) known.add(encoded);
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...known].sort((a, b) => b.length - a.length);
  return {
    text(text) {
      let result = text.replace(URL_IN_TEXT, redactUrl);
      for (const secret of ordered) {
        if (result.includes(secret)) result = result.split(secret).join(MASK);
      }
      return result;
    },
  };
}

// The only fields copied from an error: what names the failure and where, never what was sent.
// `host`/`reason` are Node's TLS identity-check fields, the rest its socket error fields.
const KEPT_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'hostname', 'host', 'reason'];

// Errors that libraries nest in other fields than `cause` (ioredis: `lastNodeError` of a Cluster,
// `previousErrors` of an EXECABORT; Node: `errors` of an AggregateError).
const NESTED_FIELDS = ['cause', 'lastNodeError', 'previousErrors', 'errors'];

const MAX_DEPTH = 4;

/** Marks the copies, so that sanitizing twice (a mapped error mapped again) keeps the first copy. */
const SANITIZED = Symbol('layercache.sanitized');

/** `true` for an error built by {@link sanitizeError}. */
export function isSanitized(error: unknown): error is Error {
  return typeof error === 'object' && error !== null && SANITIZED in error;
}

/**
 * A copy of `error` that is safe to hand to a caller and to log: its `name`, its message (or
 * `message` when given), the fields in `KEPT_FIELDS` that are strings or numbers, its stack with
 * the original's frames, and its nested errors (`cause`, and the fields libraries nest errors in)
 * copied the same way, everything redacted. Nothing else survives: no `command` with its
 * arguments, no options, no socket.
 *
 * @example
 * ```ts
 * const safe = sanitizeError(replyError, redactor); // no `command.args`, password masked
 * ```
 */
export function sanitizeError(error: unknown, redactor: Redactor, message?: string): Error {
  return copy(error, redactor, message, 0);
}

function copy(error: unknown, redactor: Redactor, message: string | undefined, depth: number) {
  if (isSanitized(error) && message === undefined) return error;
  const source =
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const original = read(source, 'message');
  const text = message ?? (typeof original === 'string' ? original : String(error));
  const result = new Error(redactor.text(text));
  Object.defineProperty(result, SANITIZED, { value: true });
  const name = read(source, 'name');
  if (typeof name === 'string' && name !== 'Error') {
    Object.defineProperty(result, 'name', {
      value: redactor.text(name),
      writable: true,
      configurable: true,
    });
  }
  for (const field of KEPT_FIELDS) {
    const value = read(source, field);
    if (typeof value === 'string') {
      Object.assign(result, { [field]: redactor.text(value) });
    } else if (typeof value === 'number') {
      Object.assign(result, { [field]: value });
    }
  }
  const stack = read(source, 'stack');
  if (typeof stack === 'string') {
    // Keep the frames (where it failed) under the new first line (what failed).
    const frames = stack.indexOf('\n    at ');
    result.stack = `${result.name}: ${result.message}${frames < 0 ? '' : redactor.text(stack.slice(frames))}`;
  }
  if (depth < MAX_DEPTH) {
    for (const field of NESTED_FIELDS) {
      const value = read(source, field);
      const nested = Array.isArray(value) ? value.slice(0, 8) : value;
      if (nested === undefined || nested === null) continue;
      const copied = Array.isArray(nested)
        ? nested.map((item) => copy(item, redactor, undefined, depth + 1))
        : copy(nested, redactor, undefined, depth + 1);
      Object.defineProperty(result, field, {
        value: copied,
        writable: true,
        configurable: true,
        // `cause` is not enumerable on a native error either; the others are, as the library had them.
        enumerable: field !== 'cause',
      });
    }
  }
  return result;
}

// A getter that throws (a hostile or half-built error) must not turn sanitizing into a new failure.
function read(source: Record<string, unknown>, field: string): unknown {
  try {
    return source[field];
  } catch {
    return undefined;
  }
}
