import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'package-check',
    include: ['test/**/*.test.ts'],
    // Every check runs child processes (pnpm, node, publint, attw) on CPUs shared with other work.
    testTimeout: 120_000,
  },
});
