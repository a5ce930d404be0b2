import { randomBytes } from 'node:crypto';
import {
  deriveSuccessor,
  formatRefreshToken,
  hashSecret,
  newRefreshToken,
  parseRefreshToken,
  secretMatches,
} from './refresh-token-format';

describe('refresh token format', () => {
  it('round-trips through format and parse, URL-safe, 256 bits of secret', () => {
    const parts = newRefreshToken();
    const token = formatRefreshToken(parts);
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(parts.secret.length * 8).toBeGreaterThanOrEqual(256);
    const parsed = parseRefreshToken(token);
    expect(parsed?.id).toBe(parts.id);
    expect(parsed?.secret.equals(parts.secret)).toBe(true);
  });

  it('gives every token a different id and secret', () => {
    const a = newRefreshToken();
    const b = newRefreshToken();
    expect(a.id).not.toBe(b.id);
    expect(a.secret.equals(b.secret)).toBe(false);
  });

  it.each([
    '',
    'abc',
    'not.a.token',
    `${newRefreshToken().id}.`,
    `${newRefreshToken().id}.${'A'.repeat(42)}`,
    `${newRefreshToken().id}.${'A'.repeat(44)}`,
    `${newRefreshToken().id}.${'A'.repeat(42)}=`,
    `../../etc/passwd.${'A'.repeat(43)}`,
    'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
    `${newRefreshToken().id}.${'A'.repeat(43)}\u0000`,
  ])('refuses malformed input %p', (input) => {
    expect(parseRefreshToken(input)).toBeNull();
  });

  it.each([null, undefined, 42, {}, ['x']])('refuses non-strings (%p)', (input) => {
    expect(parseRefreshToken(input)).toBeNull();
  });

  it('matches the secret only against its own hash', () => {
    const { secret } = newRefreshToken();
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(randomBytes(32), hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, Buffer.alloc(3))).toBe(false);
  });

  it('derives the same successor from the same parent, and nothing without the key', () => {
    const key = randomBytes(32);
    const parent = newRefreshToken();
    const child = newRefreshToken().id;
    const first = deriveSuccessor(key, parent.secret, child);
    const again = deriveSuccessor(key, parent.secret, child);
    expect(first.secret.equals(again.secret)).toBe(true);
    expect(deriveSuccessor(randomBytes(32), parent.secret, child).secret.equals(first.secret)).toBe(
      false,
    );
    expect(deriveSuccessor(key, randomBytes(32), child).secret.equals(first.secret)).toBe(false);
    expect(parseRefreshToken(formatRefreshToken(first))).not.toBeNull();
  });
});
