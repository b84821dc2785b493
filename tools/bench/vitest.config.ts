import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'bench',
    include: ['test/**/*.test.ts'],
    // The command tests spawn the built demo and bench; the machine may be shared and busy.
    testTimeout: 90_000,
    hookTimeout: 30_000,
  },
});
