// The example's parts, for its own tests and benchmark. Nothing outside examples/ imports them:
// copy the files you need instead.
export { createStorageBackend, type StorageBackend } from './backend.js';
export { ADAPTER_NAMES, type AdapterName, openCache } from './caches.js';
export { RegistryError } from './errors.js';
export { createRegistry, type Registry, type RegistryOptions } from './registry.js';
export { type RunningRegistry, type StartRegistryOptions, startRegistry } from './server.js';
