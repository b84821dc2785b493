import { describe, expect, it } from 'vitest';
import { createRedactor, redactUrl, sanitizeError } from '../src/redact.js';
import { findSecrets } from './leaks.js';

describe('redactUrl masks the password of any URL, parsable or not', () => {
  it.each([
    ['redis://cache:s3cret@redis:6379/2', 'redis://cache:***@redis:6379/2'],
    ['rediss://cache:s3cret@127.0.0.1:99999', 'rediss://cache:***@127.0.0.1:99999'],
    ['redis://:s3cret@redis:6379', 'redis://:***@redis:6379'],
    // Not percent-encoded: the user info ends at the last `@`.
    ['redis://cache:p@ss/w?rd#x@redis:6379', 'redis://cache:***@redis:6379'],
    // Without `:` it may be a password pasted alone.
    ['redis://s3cret@redis:6379', 'redis://***@redis:6379'],
    ['redis://redis:6379/0?password=s3cret&db=1', 'redis://redis:6379/0?password=***&db=1'],
    ['redis://redis:6379', 'redis://redis:6379'],
  ])('%s → %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});

describe('sanitizeError copies what names a failure, and nothing that was sent', () => {
  const redactor = createRedactor(['hunter2-secret', new TextEncoder().encode('-----KEY-----')]);

  it('drops command arguments and other properties, keeps name, message, code and socket fields', () => {
    const reply = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
      code: 'WRONGPASS',
      command: { name: 'auth', args: ['cache', 'hunter2-secret'] },
      options: { password: 'hunter2-secret' },
    });
    const safe = sanitizeError(reply, redactor);
    expect(safe).toMatchObject({ name: 'ReplyError', code: 'WRONGPASS', message: reply.message });
    expect(safe).not.toHaveProperty('command');
    expect(safe).not.toHaveProperty('options');
    expect(findSecrets(safe, ['hunter2-secret'])).toEqual([]);
  });

  it('masks known secrets and URL passwords in messages, stacks and nested errors', () => {
    const inner = new Error('key was -----KEY----- for redis://u:pw-in-url@h:1');
    const outer = Object.assign(new Error('failed with hunter2-secret', { cause: inner }), {
      previousErrors: [inner],
      lastNodeError: inner,
    });
    const safe = sanitizeError(outer, redactor);
    expect(safe.message).toBe('failed with ***');
    expect((safe.cause as Error).message).toBe('key was *** for redis://u:***@h:1');
    expect(findSecrets(safe, ['hunter2-secret', '-----KEY-----', 'pw-in-url'])).toEqual([]);
  });

  it('survives an error whose getters throw', () => {
    const hostile = Object.defineProperty(new Error('x'), 'code', {
      get() {
        throw new Error('trap');
      },
    });
    expect(sanitizeError(hostile, redactor).message).toBe('x');
  });
});
