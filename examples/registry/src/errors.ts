import type { ServerResponse } from 'node:http';

/**
 * The distribution-spec error codes this registry answers with, and their HTTP status
 * (`RANGE_INVALID` is the Go registry's, for an unsatisfiable `Range`).
 */
export const ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  MANIFEST_UNKNOWN: 404,
  NAME_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  NAME_INVALID: 400,
  MANIFEST_INVALID: 400,
  RANGE_INVALID: 416,
  UNSUPPORTED: 405,
  UNAVAILABLE: 503,
} as const;

export type RegistryErrorCode = keyof typeof ERROR_STATUS;

/** A request that fails with a spec error; `routes.ts` and the handlers throw it. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/**
 * Writes `{"errors":[{"code","message","detail"}]}` with the code's status. A `HEAD` gets the
 * status and headers only: a body on a HEAD response would corrupt a keep-alive connection.
 */
export function sendError(
  response: ServerResponse,
  method: string | undefined,
  error: RegistryError,
): void {
  const body = JSON.stringify({
    errors: [
      {
        code: error.code,
        message: error.message,
        ...(error.detail === undefined ? {} : { detail: error.detail }),
      },
    ],
  });
  response.statusCode = error.status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  if (method === 'HEAD') response.end();
  else response.end(body);
}
