import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { IOREDIS_OWNED_SETTINGS, renderOwnedSettings } from '../src/owned.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// The owned-connection settings are described once, in src/owned.ts; the README shows them.
it('the README table of owned-connection settings is the one src/owned.ts renders', () => {
  const table = /<!-- owned-settings:start -->\n([\s\S]*?)\n<!-- owned-settings:end -->/.exec(
    readme,
  );
  expect(table, 'README.md has no owned-settings markers').not.toBeNull();
  expect(table![1]).toBe(renderOwnedSettings(IOREDIS_OWNED_SETTINGS));
});
