import { defineConfig } from 'vitest/config';

// Every test runs on both supported ioredis majors: the package imports `ioredis`, and the second
// project resolves that name to ioredis 6 (installed as the `ioredis6` alias), which speaks RESP3
// by default — also where the package loads it with `require` for an owned connection
// (test/ioredis6.setup.ts). The tests under test/drivers/ are the driver matrix: they run on each
// ioredis major and, in the third project, on node-redis 6. The project name says which run a
// failure is on.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'redis (ioredis 5)',
          include: ['test/**/*.test.ts'],
          provide: { ioredisMajor: 5, driver: 'ioredis' },
        },
      },
      {
        extends: true,
        resolve: { alias: [{ find: /^ioredis$/, replacement: 'ioredis6' }] },
        test: {
          name: 'redis (ioredis 6)',
          include: ['test/**/*.test.ts'],
          provide: { ioredisMajor: 6, driver: 'ioredis' },
          setupFiles: ['test/ioredis6.setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'redis (node-redis 6)',
          include: ['test/drivers/**/*.test.ts'],
          provide: { ioredisMajor: 5, driver: 'node-redis' },
        },
      },
    ],
  },
});
