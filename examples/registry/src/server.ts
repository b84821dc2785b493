import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry, type Registry, type RegistryOptions } from './registry.js';

/** Options of {@link startRegistry}: the registry's, plus where to listen. */
export interface StartRegistryOptions extends RegistryOptions {
  /** Default: `"127.0.0.1"`. */
  readonly host?: string;
  /** Default: 0, a free port chosen by the operating system. */
  readonly port?: number;
}

/** A listening registry. */
export interface RunningRegistry extends Registry, AsyncDisposable {
  /** `http://host:port`, e.g. for `skopeo copy docker://127.0.0.1:port/<name>:<tag>`. */
  readonly url: string;
  /** `host:port`, the form image references use. */
  readonly address: string;
  readonly server: Server;
  /** Stops listening and ends idle keep-alive connections. Does not close the cache. */
  close(): Promise<void>;
}

/**
 * Starts {@link createRegistry} on `node:http`.
 *
 * @example
 * ```ts
 * await using registry = await startRegistry({ root, cache, port: 5000 });
 * console.log(`skopeo inspect --tls-verify=false docker://${registry.address}/library/alpine:latest`);
 * ```
 */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const registry = createRegistry(options);
  const server = createServer({ keepAliveTimeout: 30_000 }, registry.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
    return closed;
  };
  return {
    ...registry,
    url: `http://${address}`,
    address,
    server,
    close,
    [Symbol.asyncDispose]: close,
  };
}
