import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A response, body read in full. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The spec error codes of an error body (`{"errors":[{"code":…}]}`), else `[]`. */
  readonly errorCodes: string[];
}

/**
 * One HTTP request with the path sent exactly as given (`fetch` would resolve `..` segments and
 * hide a path traversal from the server under test).
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          let errorCodes: string[] = [];
          try {
            const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code: string }[] };
            errorCodes = parsed.errors?.map((error) => error.code) ?? [];
          } catch {
            // not an error body
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, errorCodes });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
