import { createKeyv } from '@keyv/redis';
import { redisMemoryProbe } from '../adapters/probes.js';
import type { PeerModule } from '../adapters/types.js';
import { keyvSubject } from './keyv-map.js';

/** Keyv with `@keyv/redis` (on node-redis), in a namespace of its own on the run's server. */
export const keyvRedisPeer: PeerModule = {
  name: 'keyv-redis',
  label: 'Keyv + @keyv/redis',
  async create(context, id) {
    const { url } = await context.redis();
    const keyv = createKeyv(url, { namespace: `${context.keyPrefix}${id}`, throwOnErrors: true });
    keyv.throwOnErrors = true;
    await keyv.set('warm', true);
    return keyvSubject('Keyv + @keyv/redis', keyv, redisMemoryProbe(url));
  },
};
