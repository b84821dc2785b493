import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'package-check',
    include: ['test/**/*.test.ts'],
    // Packs the tarballs once and starts the one redis-server every project uses.
    globalSetup: ['test/support/global-setup.ts'],
    // Every check runs child processes (pnpm, npm, tsc, node, publint, attw) on shared CPUs.
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
