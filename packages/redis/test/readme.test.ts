import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX, KNOWN_OPTIONS } from '../src/options.js';
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

it('the README table of options lists every option createRedisCache takes, with its default', () => {
  const section = readme.slice(
    readme.indexOf('## Options'),
    readme.indexOf('### Owned connections'),
  );
  const rows = [...section.matchAll(/^\| `(\w+)` \| (?:[^|\\]|\\\|)+ \| ([^|]+) \|/gm)];
  expect(rows.map(([, name]) => name)).toEqual([...KNOWN_OPTIONS]);
  const defaults = Object.fromEntries(rows.map(([, name, value]) => [name, value!.trim()]));
  expect(defaults.keyPrefix).toBe(`\`${JSON.stringify(DEFAULT_KEY_PREFIX)}\``);
  expect(defaults.commandTimeoutMs).toBe(`\`${DEFAULT_COMMAND_TIMEOUT_MS}\``);
});
