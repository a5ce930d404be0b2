import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { PRODUCTION, problemWith } from './environment.spec-helpers';
import { parseRefreshKeys } from './refresh-keys';

/** Production settings with every requirement met but the refresh key. */
const NO_REFRESH_KEY = { ...PRODUCTION, AUTH_REFRESH_KEY_FILE: undefined };

describe('refresh derivation key settings', () => {
  it('reads a ring of base64 and base64url keys, oldest first, commas or lines', () => {
    const [a, b, c] = [randomBytes(32), randomBytes(48), randomBytes(32)];
    const text = `# a comment, with commas\n${a.toString('base64')}\n\n${b.toString('base64url')}, ${c.toString('base64')}\n`;
    const keys = parseRefreshKeys(text, 'AUTH_REFRESH_KEY_FILE');
    expect(keys.map((key) => key.toString('hex'))).toEqual(
      [a, b, c].map((key) => key.toString('hex')),
    );
  });

  it('refuses short or malformed keys with one line naming the source, never the value', () => {
    for (const value of [
      randomBytes(31).toString('base64'),
      'this is not base64 but it is a secret!!',
      `${randomBytes(32).toString('base64')},hunter2hunter2`,
      ' , ',
    ]) {
      const message = problemWith({ AUTH_REFRESH_KEY: value }) ?? '';
      expect(message).toMatch(/^Invalid configuration: AUTH_REFRESH_KEY /);
      expect(message.split('\n')).toHaveLength(1);
      for (const part of value.split(',')) {
        if (part.trim().length > 3) expect(message).not.toContain(part.trim());
      }
    }
  });

  it('in production, refuses to start without a refresh key, naming the variables', () => {
    const message = problemWith({ ...NO_REFRESH_KEY }) ?? '';
    expect(message).toContain('AUTH_REFRESH_KEY');
    expect(message).toContain('AUTH_REFRESH_KEY_FILE');
    expect(message.split('\n')).toHaveLength(1);
    const key = randomBytes(32).toString('base64url');
    expect(problemWith({ ...NO_REFRESH_KEY, AUTH_REFRESH_KEY: key })).toBeUndefined();
    expect(problemWith({ ...NO_REFRESH_KEY, AUTH_REFRESH_KEY_FILE: '/k' })).toBeUndefined();
    // Outside production a development key file is generated instead.
    expect(problemWith({ NODE_ENV: 'development' })).toBeUndefined();
  });

  it('refuses both sources at once', () => {
    const key = randomBytes(32).toString('base64url');
    const message = problemWith({ AUTH_REFRESH_KEY: key, AUTH_REFRESH_KEY_FILE: '/k' }) ?? '';
    expect(message).toContain('not both');
    expect(message).not.toContain(key);
  });
});
