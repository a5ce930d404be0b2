import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, validateEnvironment } from './environment';
import { parseRefreshKeys } from './refresh-keys';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----';

function problemWith(env: Record<string, string | undefined>): string | undefined {
  try {
    validateEnvironment(env);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

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

  /** What production needs besides the refresh key. */
  const PRODUCTION = {
    NODE_ENV: 'production',
    JWT_PRIVATE_KEY: PEM,
    DATABASE_URL: 'postgres://latch@db:5432/latch',
  };

  it('in production, refuses to start without a refresh key, naming the variables', () => {
    const message = problemWith({ ...PRODUCTION }) ?? '';
    expect(message).toContain('AUTH_REFRESH_KEY');
    expect(message).toContain('AUTH_REFRESH_KEY_FILE');
    expect(message.split('\n')).toHaveLength(1);
    const key = randomBytes(32).toString('base64url');
    expect(problemWith({ ...PRODUCTION, AUTH_REFRESH_KEY: key })).toBeUndefined();
    expect(problemWith({ ...PRODUCTION, AUTH_REFRESH_KEY_FILE: '/k' })).toBeUndefined();
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
