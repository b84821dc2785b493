import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'package-check',
    include: ['test/**/*.test.ts'],
  },
});
