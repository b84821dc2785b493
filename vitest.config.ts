import { defineConfig } from 'vitest/config';

// Lets `pnpm vitest` at the root run every package's tests; each package also runs alone.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tools/*', 'examples/*'],
  },
});
