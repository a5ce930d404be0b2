import { hashLinkToken, isLinkTokenShape, newLinkToken } from './link-token';

describe('link tokens', () => {
  it('are 256 random bits, URL-safe, and stored only as a hash', () => {
    const a = newLinkToken();
    const b = newLinkToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    expect(a.hash.equals(hashLinkToken(a.token))).toBe(true);
    expect(a.hash.toString('hex')).not.toContain(Buffer.from(a.token).toString('hex'));
  });

  it('recognise their shape', () => {
    expect(isLinkTokenShape(newLinkToken().token)).toBe(true);
    expect(isLinkTokenShape('short')).toBe(false);
    expect(isLinkTokenShape('a'.repeat(42) + '=')).toBe(false);
    expect(isLinkTokenShape('a'.repeat(44))).toBe(false);
  });
});
