import { describe, expect, it } from 'vitest';
import { layercache } from './support/cli.js';

// The command line itself: help, bad usage (exit 2), and never a stack trace for a user's error.

const STACK = /^\s+at /m;

describe('layercache --help', () => {
  it('names every command and every cache option, on stdout, exit 0', async () => {
    const result = await layercache(['--help']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    for (const word of [
      'forget',
      'verify',
      'stats',
      'clear',
      '--sqlite',
      '--redis',
      '--prefix',
      '--driver',
      'Exit status',
    ]) {
      expect(result.stdout).toContain(word);
    }
  });

  it.each([
    ['forget', ['--from-gc-log', '--dry-run', '--json', '--sqlite', '--redis', 'garbage-collect']],
    ['verify', ['--root', '--fix', '--json', '--sqlite', '--redis', 'link file', 'other size']],
    ['stats', ['memberships', 'repositories', 'metas', 'bytes', '--json']],
    ['clear', ['--sqlite', '--redis', '--prefix', '--json']],
  ])('%s --help describes all its options and its exit status', async (command, words) => {
    const result = await layercache([command, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: layercache ${command} `));
    for (const word of [...words, 'Exit status']) expect(result.stdout).toContain(word);
  });

  it('help <command> is the same as <command> --help', async () => {
    expect((await layercache(['help', 'verify'])).stdout).toBe(
      (await layercache(['verify', '--help'])).stdout,
    );
  });

  it('--version prints the package version', async () => {
    const result = await layercache(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('bad usage exits 2 with a message on stderr and no stack trace', () => {
  it.each([
    ['no command', [], 'a command is needed'],
    ['an unknown command', ['purge', '--sqlite', 'x'], 'unknown command "purge"'],
    ['an unknown option', ['stats', '--sqlite', 'x', '--bogus'], "Unknown option '--bogus'"],
    ['a stray argument', ['stats', '--sqlite', 'x', 'extra'], 'unexpected argument "extra"'],
    ['no cache', ['stats'], 'name the cache: --sqlite FILE or --redis URL'],
    [
      'both caches',
      ['stats', '--sqlite', 'x', '--redis', 'redis://h'],
      'either --sqlite or --redis',
    ],
    [
      '--prefix with sqlite',
      ['stats', '--sqlite', 'x', '--prefix', 'p:'],
      '--prefix applies to --redis only',
    ],
    ['forget without a log', ['forget', '--sqlite', 'x'], 'forget needs --from-gc-log'],
    ['verify without a root', ['verify', '--sqlite', 'x'], 'verify needs --root DIR'],
    [
      'a missing cache file',
      ['stats', '--sqlite', '/nonexistent/cache.sqlite'],
      'no such cache file',
    ],
    [
      'a root that is no storage tree',
      ['verify', '--root', '/proc/self', '--sqlite', 'x'],
      'is not a registry storage tree',
    ],
    [
      'an unknown driver',
      ['stats', '--redis', 'redis://h', '--driver', 'jedis'],
      'unknown --driver "jedis"',
    ],
    [
      'a redis URL of another scheme',
      ['stats', '--redis', 'http://h:1'],
      'must start with redis://',
    ],
  ])('%s', async (_, args, message) => {
    const result = await layercache(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/Run "layercache( \w+)? --help" for usage\./);
    expect(result.stderr).not.toMatch(STACK);
  });

  it('an unknown --driver is refused, naming the known ones', async () => {
    const result = await layercache(['clear', '--redis', 'redis://h:1', '--driver', 'redis']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown --driver "redis" (known: ioredis, node-redis)');
  });
});
