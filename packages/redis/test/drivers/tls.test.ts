import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@layercache/core';
import { digest } from '@layercache/core/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, type RedisServer, startRedisServer } from '../../src/testing/index.js';
import { findSecrets } from '../leaks.js';
import { uniquePrefix } from '../servers.js';
import { driver, ownedCache } from './fixture.js';

const TIMEOUT = 1000;
const PASSWORD = 'tls-Secret-5e8';
const d = digest('tls');

/** A throwaway CA, a server certificate for `localhost` only, and a client certificate. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=layercache test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  for (const [name, subject, san] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost'],
    ['client', '/CN=cache', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `${san}\n`);
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') };
}

let dir: string;
let server: RedisServer;
let tlsPort: number;
let files: ReturnType<typeof makeCertificates>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'layercache-tls-'));
  files = makeCertificates(dir);
  tlsPort = await findFreePort();
  server = await startRedisServer({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.crt'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.crt'),
      '--tls-auth-clients',
      'yes',
      '--user',
      'cache',
      'on',
      `>${PASSWORD}`,
      '~*',
      '+@all',
    ],
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// The client key, whole and as the base64 lines a message could quote.
const keySecrets = () => [
  files.key,
  ...files.key.split('\n').filter((line) => line.length > 40 && !line.startsWith('-----')),
  PASSWORD,
];

// TLS settings as each library takes them: ioredis `tls`, node-redis `socket`.
const tls = (settings: { ca?: string; cert: string; key: string }) =>
  driver === 'ioredis' ? { tls: settings } : { socket: { tls: true, ...settings } };

describe(`${driver}: TLS (rediss://, a real redis-server with --tls-port)`, () => {
  it('a rediss:// URL with the CA and a client certificate works', async () => {
    await using cache = ownedCache({
      url: `rediss://cache:${PASSWORD}@localhost:${tlsPort}`,
      redis: tls({ ca: files.ca, cert: files.cert, key: files.key }),
      keyPrefix: uniquePrefix('tls'),
      commandTimeoutMs: TIMEOUT,
    });
    await cache.add('team/a', d);
    expect(await cache.contains('team/a', d)).toBe(true);
    await cache.clear();
  });

  it('a certificate for another host name says so, and the key is nowhere in the error', async () => {
    await using cache = ownedCache({
      url: `rediss://cache:${PASSWORD}@127.0.0.1:${tlsPort}`,
      redis: tls({ ca: files.ca, cert: files.cert, key: files.key }),
      commandTimeoutMs: TIMEOUT,
    });
    const error = await cache.contains('team/a', d).then(
      () => new Error('connected despite the host name mismatch'),
      (error: Error) => error,
    );
    expect(error).toMatchObject({ code: ErrorCode.Unavailable });
    expect(error.message).toBe(
      `layercache redis: contains failed: TLS: certificate is not valid for host "127.0.0.1" (IP: 127.0.0.1 is not in the cert's list: )`,
    );
    expect(findSecrets(error, keySecrets())).toEqual([]);
  });

  it('a certificate from an unknown CA says so, and the key is nowhere in the error', async () => {
    await using cache = ownedCache({
      url: `rediss://cache:${PASSWORD}@localhost:${tlsPort}`,
      redis: tls({ cert: files.cert, key: files.key }),
      commandTimeoutMs: TIMEOUT,
    });
    const error = await cache.contains('team/a', d).then(
      () => new Error('connected to a server nobody vouched for'),
      (error: Error) => error,
    );
    expect(error).toMatchObject({ code: ErrorCode.Unavailable });
    expect(error.message).toBe(
      `layercache redis: contains failed: TLS: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN, connecting to localhost:${tlsPort})`,
    );
    expect(findSecrets(error, keySecrets())).toEqual([]);
  });
});
