import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_KEY_PREFIX, KNOWN_OPTIONS } from '../src/options.js';
import {
  IOREDIS_OWNED_SETTINGS,
  NODE_REDIS_OWNED_SETTINGS,
  renderOwnedSettings,
} from '../src/owned.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// The owned-connection settings are described once, in src/owned.ts; the README shows them.
it('the README tables of owned-connection settings are the ones src/owned.ts renders', () => {
  const tables = [
    ['owned-settings', IOREDIS_OWNED_SETTINGS, 'ioredis'],
    ['owned-settings:node-redis', NODE_REDIS_OWNED_SETTINGS, 'node-redis'],
  ] as const;
  for (const [marker, settings, library] of tables) {
    const start = readme.indexOf(`<!-- ${marker}:start -->\n`);
    const end = readme.indexOf(`\n<!-- ${marker}:end -->`);
    expect(start, `README.md has no ${marker} markers`).toBeGreaterThanOrEqual(0);
    const table = readme.slice(start + `<!-- ${marker}:start -->\n`.length, end);
    expect(table, marker).toBe(renderOwnedSettings(settings, library));
  }
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
