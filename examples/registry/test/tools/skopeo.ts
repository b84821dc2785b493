import { findExecutable, run } from './processes.js';

export const SKOPEO_INSTALL_HINT = 'skopeo was not found on PATH: apt-get install -y skopeo';

/** What `skopeo inspect` says about an image (the fields tests use). */
export interface SkopeoInspect {
  readonly Digest: string;
  readonly Layers: readonly string[];
  readonly RepoTags?: readonly string[];
}

// Tests talk plain HTTP to registries on 127.0.0.1 and never use the user's credentials or
// signature policy: the results must not depend on the machine's containers configuration.
const COMMON = ['--insecure-policy'];

async function skopeo(args: readonly string[]): Promise<string> {
  const executable = await findExecutable(['skopeo']);
  if (executable === undefined) throw new Error(SKOPEO_INSTALL_HINT);
  return (await run(executable, [...COMMON, ...args], { timeoutMs: 120_000 })).stdout;
}

/**
 * `skopeo copy` between transports (`oci:<dir>:<tag>`, `docker://host:port/name:tag`), over plain
 * HTTP and anonymously on the `docker://` side. Rejects with skopeo's stderr when it fails.
 *
 * @example
 * ```ts
 * await skopeoCopy(`oci:${layout}:1`, `docker://${registry.address}/library/alpine:1`);
 * ```
 */
export async function skopeoCopy(source: string, destination: string): Promise<void> {
  // The TLS and credential flags exist only for the docker:// side(s).
  const side = (prefix: 'src' | 'dest', reference: string) =>
    reference.startsWith('docker://')
      ? [`--${prefix}-tls-verify=false`, `--${prefix}-no-creds`]
      : [];
  await skopeo([
    'copy',
    '--quiet',
    ...side('src', source),
    ...side('dest', destination),
    source,
    destination,
  ]);
}

/** `skopeo inspect docker://…` (parsed), over plain HTTP and anonymously. */
export async function skopeoInspect(reference: string): Promise<SkopeoInspect> {
  return JSON.parse(
    await skopeo(['inspect', '--tls-verify=false', '--no-creds', reference]),
  ) as SkopeoInspect;
}

/** `skopeo inspect --raw docker://…`: the manifest bytes exactly as the registry served them. */
export async function skopeoInspectRaw(reference: string): Promise<Buffer> {
  return Buffer.from(
    await skopeo(['inspect', '--raw', '--tls-verify=false', '--no-creds', reference]),
    'utf8',
  );
}
