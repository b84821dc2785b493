import type { PeerModule, PeerName } from '../adapters/types.js';
import { keyvMapPeer } from './keyv-map.js';
import { keyvRedisPeer } from './keyv-redis.js';
import { keyvSqlitePeer } from './keyv-sqlite.js';

/** Every peer, by name. */
export const PEERS: Readonly<Record<PeerName, PeerModule>> = {
  'keyv-map': keyvMapPeer,
  'keyv-sqlite': keyvSqlitePeer,
  'keyv-redis': keyvRedisPeer,
};
