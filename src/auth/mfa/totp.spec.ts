import { Secret, TOTP } from 'otpauth';
import { base32Of, matchingStep, newTotpSecret, otpauthUrl, stepAt } from './totp';

const T = Date.UTC(2026, 11, 1, 12, 0, 10); // 10 s into a step
const codeAt = (secret: Buffer, ms: number) =>
  new TOTP({ secret: Secret.fromBase32(base32Of(secret)) }).generate({ timestamp: ms });

describe('TOTP codes (RFC 6238: SHA-1, 6 digits, 30 s)', () => {
  const secret = newTotpSecret();

  it('makes 160-bit secrets, given as 32 base32 characters', () => {
    expect(secret).toHaveLength(20);
    expect(base32Of(secret)).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret().equals(secret)).toBe(false);
  });

  it('matches the RFC 6238 test vector (SHA-1, T = 59 s)', () => {
    const rfcSecret = Buffer.from('12345678901234567890');
    // The RFC lists 94287082 for 8 digits; an app shows the last 6.
    expect(matchingStep(rfcSecret, '287082', 59_000)).toBe(1);
  });

  it('accepts one step either side and names the step that matched', () => {
    const now = stepAt(T);
    expect(matchingStep(secret, codeAt(secret, T), T)).toBe(now);
    expect(matchingStep(secret, codeAt(secret, T - 30_000), T)).toBe(now - 1);
    expect(matchingStep(secret, codeAt(secret, T + 30_000), T)).toBe(now + 1);
  });

  it('refuses codes two steps away, other secrets and anything but six digits', () => {
    const away = [codeAt(secret, T - 60_000), codeAt(secret, T + 60_000)];
    const near = [-1, 0, 1].map((step) => codeAt(secret, T + step * 30_000));
    for (const code of away.filter((c) => !near.includes(c))) {
      expect(matchingStep(secret, code, T)).toBeUndefined();
    }
    const other = newTotpSecret();
    const otherCode = codeAt(other, T);
    if (!near.includes(otherCode)) expect(matchingStep(secret, otherCode, T)).toBeUndefined();
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456', '12345６']) {
      expect(matchingStep(secret, code, T)).toBeUndefined();
    }
  });

  it('builds the otpauth URL authenticator apps read', () => {
    const url = new URL(otpauthUrl(secret, 'Latch', 'ada@example.com'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Latch:ada@example.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret: base32Of(secret),
      issuer: 'Latch',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
