import { createRequire } from 'node:module';

// The package loads ioredis with `require` for the connections it owns (both client libraries
// are optional): in the ioredis 6 project that name must mean ioredis 6 there too, as the alias
// in vitest.config.ts makes it mean for `import`.
const Module = createRequire(import.meta.url)('node:module') as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
};
const resolve = Module._resolveFilename;
Module._resolveFilename = (request, ...rest) =>
  resolve.call(Module, request === 'ioredis' ? 'ioredis6' : request, ...rest);
