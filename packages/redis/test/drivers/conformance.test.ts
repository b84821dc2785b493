import { describeLayerInfoCache } from '@layercache/core/conformance';
import { afterAll, beforeAll } from 'vitest';
import { createRedisCache } from '../../src/index.js';
import {
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
  startRedisCluster,
  startRedisSentinel,
  startRedisServer,
} from '../../src/testing/index.js';
import { driver, type Lent, lendClient, lendCluster, lendSentinel, ownedCache } from './fixture.js';

// The conformance suite on every kind of connection, with this run's client library.
let server: RedisServer;
let cluster: RedisCluster;
let sentinel: RedisSentinel;
const lent: Record<string, Lent> = {};

beforeAll(async () => {
  [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  sentinel = await startRedisSentinel({ master: server });
  lent.resp2 = await lendClient(server.url, 2);
  lent.resp3 = await lendClient(server.url, 3);
  lent.cluster = await lendCluster(cluster.nodes);
  lent.sentinel = await lendSentinel(sentinel);
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(lent).map((client) => client.close()));
  await sentinel?.stop();
  await Promise.all([server?.stop(), cluster?.stop()]);
});

const capabilities = {
  ttl: true,
  durable: true,
  shared: true,
  metrics: true,
  forgetDigest: true,
  entries: true,
} as const;

describeLayerInfoCache(
  `${driver}: standalone`,
  ({ storageId, ttlMs, meter }) =>
    ownedCache({ url: server.url, keyPrefix: `${storageId}:`, ttlMs, meter }),
  capabilities,
);

describeLayerInfoCache(
  `${driver}: prefix with glob characters and a hash tag`,
  ({ storageId, ttlMs, meter }) =>
    ownedCache({ url: server.url, keyPrefix: `{${storageId}}*?[ab]\\:`, ttlMs, meter }),
  capabilities,
);

for (const resp of ['resp2', 'resp3'] as const) {
  describeLayerInfoCache(
    `${driver}: borrowed client on ${resp.toUpperCase()}`,
    ({ storageId, ttlMs, meter }) =>
      createRedisCache({ client: lent[resp]!.client, keyPrefix: `${storageId}:`, ttlMs, meter }),
    capabilities,
  );
}

describeLayerInfoCache(
  `${driver}: cluster`,
  ({ storageId, ttlMs, meter }) =>
    ownedCache({
      cluster: { nodes: cluster.nodes },
      keyPrefix: `${storageId}:`,
      ttlMs,
      meter,
    }),
  capabilities,
);

describeLayerInfoCache(
  `${driver}: borrowed cluster`,
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      client: lent.cluster!.client,
      keyPrefix: `${storageId}:`,
      ttlMs,
      meter,
    }),
  { ...capabilities, modelRuns: 20 },
);

// commandTimeoutMs 5000: the suite writes 3,750 entries at once, and a clean-clone CI run
// (three driver projects on two loaded cores) once saw the last setMeta through the Sentinel
// client's one master connection wait past the default 1 s. Deadlines are tested on their own
// (conformance-faults.test.ts, failures.test.ts).
describeLayerInfoCache(
  `${driver}: borrowed client through Sentinel`,
  ({ storageId, ttlMs, meter }) =>
    createRedisCache({
      client: lent.sentinel!.client,
      keyPrefix: `${storageId}:`,
      ttlMs,
      meter,
      commandTimeoutMs: 5000,
    }),
  { ...capabilities, modelRuns: 20 },
);
