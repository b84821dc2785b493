import { defineConfig } from 'vitest/config';

// Every test runs on both supported ioredis majors: the package imports `ioredis`, and the second
// project resolves that name to ioredis 6 (installed as the `ioredis6` alias), which speaks RESP3
// by default. The project name says which major a failure is on.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    projects: [
      { extends: true, test: { name: 'redis (ioredis 5)', provide: { ioredisMajor: 5 } } },
      {
        extends: true,
        resolve: { alias: [{ find: /^ioredis$/, replacement: 'ioredis6' }] },
        test: { name: 'redis (ioredis 6)', provide: { ioredisMajor: 6 } },
      },
    ],
  },
});
