import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { PRODUCTION, problemWith } from './environment.spec-helpers';
import { parseKeyRing } from './key-ring';

describe('key rings', () => {
  it('reads a ring of base64 and base64url keys, oldest first, commas or lines', () => {
    const [a, b, c] = [randomBytes(32), randomBytes(48), randomBytes(32)];
    const text = `# a comment, with commas\n${a.toString('base64')}\n\n${b.toString('base64url')}, ${c.toString('base64')}\n`;
    const keys = parseKeyRing(text, 'AUTH_REFRESH_KEY_FILE');
    expect(keys.map((key) => key.toString('hex'))).toEqual(
      [a, b, c].map((key) => key.toString('hex')),
    );
  });
});

describe.each([
  ['AUTH_REFRESH_KEY', 'AUTH_REFRESH_KEY_FILE'],
  ['AUTH_MFA_KEY', 'AUTH_MFA_KEY_FILE'],
])('%s settings', (inline, file) => {
  /** Production settings with every requirement met but this ring. */
  const withoutRing = { ...PRODUCTION, [file]: undefined };

  it('refuses short or malformed keys with one line naming the source, never the value', () => {
    for (const value of [
      randomBytes(31).toString('base64'),
      'this is not base64 but it is a secret!!',
      `${randomBytes(32).toString('base64')},hunter2hunter2`,
      ' , ',
    ]) {
      const message = problemWith({ [inline]: value }) ?? '';
      expect(message.startsWith(`Invalid configuration: ${inline} `)).toBe(true);
      expect(message.split('\n')).toHaveLength(1);
      for (const part of value.split(',')) {
        if (part.trim().length > 3) expect(message).not.toContain(part.trim());
      }
    }
  });

  it('in production, refuses to start without the ring, naming the variables', () => {
    const message = problemWith(withoutRing) ?? '';
    expect(message).toContain(`${inline} or ${file} must be set`);
    expect(message.split('\n')).toHaveLength(1);
    const key = randomBytes(32).toString('base64url');
    expect(problemWith({ ...withoutRing, [inline]: key })).toBeUndefined();
    expect(problemWith({ ...withoutRing, [file]: '/k' })).toBeUndefined();
    // Outside production a development key file is generated instead.
    expect(problemWith({ NODE_ENV: 'development' })).toBeUndefined();
  });

  it('refuses both sources at once', () => {
    const key = randomBytes(32).toString('base64url');
    const message = problemWith({ [inline]: key, [file]: '/k' }) ?? '';
    expect(message).toContain('not both');
    expect(message).not.toContain(key);
  });
});
