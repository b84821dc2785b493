import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'example-registry',
    include: ['test/**/*.test.ts'],
    // The real-tools tests run the Go registry and skopeo as child processes; the machine may be
    // shared and busy.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
