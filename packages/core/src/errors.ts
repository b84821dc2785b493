/** The stable codes of every error layercache rejects with. */
export const ErrorCode = {
  NotFound: 'ERR_LAYERCACHE_NOT_FOUND',
  InvalidArgument: 'ERR_LAYERCACHE_INVALID_ARGUMENT',
  Unavailable: 'ERR_LAYERCACHE_UNAVAILABLE',
  Closed: 'ERR_LAYERCACHE_CLOSED',
} as const;

/** One of the {@link ErrorCode} values. */
export type LayerCacheErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every layercache error. Check `code` (or the `is…Error` guards) rather than only
 * `instanceof`: an application may load two copies of core.
 *
 * @example
 * ```ts
 * try {
 *   await cache.meta(digest);
 * } catch (error) {
 *   if (isNotFoundError(error)) return fetchFromBackend(digest);
 *   throw error;
 * }
 * ```
 */
export class LayerCacheError extends Error {
  readonly code: LayerCacheErrorCode;

  constructor(code: LayerCacheErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** `meta` of a digest the cache holds no meta for (the Go registry's `ErrNotFound`). */
export class NotFoundError extends LayerCacheError {
  readonly digest: string;

  constructor(digest: string) {
    super(ErrorCode.NotFound, `no meta is cached for ${digest}`);
    this.digest = digest;
  }
}

/**
 * A bad repository name, digest, meta or option. Nothing was written.
 * `argument` names what was wrong: `"repo"`, `"digest"`, `"meta"`, or an option's name.
 */
export class InvalidArgumentError extends LayerCacheError {
  readonly argument: string;

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super(ErrorCode.InvalidArgument, message, options);
    this.argument = argument;
  }
}

/**
 * The backend failed or did not answer in time. `cause` holds the original error. Never treat
 * it as a miss: fall back to the storage backend and do not write to the cache.
 */
export class UnavailableError extends LayerCacheError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.Unavailable, message, options);
  }
}

/** The cache was used after `close()`. */
export class ClosedError extends LayerCacheError {
  constructor(operation: string) {
    super(ErrorCode.Closed, `cannot ${operation}: the cache is closed`);
  }
}

for (const ErrorClass of [
  LayerCacheError,
  NotFoundError,
  InvalidArgumentError,
  UnavailableError,
  ClosedError,
]) {
  // A prototype property instead of an own field keeps construction cheap and `name` correct
  // after minification.
  Object.defineProperty(ErrorClass.prototype, 'name', {
    value: ErrorClass.name,
    writable: true,
    configurable: true,
  });
}

function hasCode(error: unknown, code: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === code &&
    error instanceof Error
  );
}

/** `true` for any layercache error, from this or another copy of core. */
export function isLayerCacheError(error: unknown): error is LayerCacheError {
  if (typeof error !== 'object' || error === null || !(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_LAYERCACHE_');
}

/** `true` for a {@link NotFoundError}, from this or another copy of core. */
export function isNotFoundError(error: unknown): error is NotFoundError {
  return hasCode(error, ErrorCode.NotFound);
}

/** `true` for an {@link InvalidArgumentError}, from this or another copy of core. */
export function isInvalidArgumentError(error: unknown): error is InvalidArgumentError {
  return hasCode(error, ErrorCode.InvalidArgument);
}

/** `true` for an {@link UnavailableError}, from this or another copy of core. */
export function isUnavailableError(error: unknown): error is UnavailableError {
  return hasCode(error, ErrorCode.Unavailable);
}

/** `true` for a {@link ClosedError}, from this or another copy of core. */
export function isClosedError(error: unknown): error is ClosedError {
  return hasCode(error, ErrorCode.Closed);
}
