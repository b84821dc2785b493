import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'lru',
    include: ['test/**/*.test.ts'],
  },
});
