import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../../config/environment';
import { TotpSecretCipher } from './totp-secret-cipher';

const USER = '6f1c1b9e-4a8c-4e8b-9d5e-0c7f3c2b1a00';
const OTHER_USER = '6f1c1b9e-4a8c-4e8b-9d5e-0c7f3c2b1a01';
const key = () => randomBytes(32).toString('base64url');

function cipherWith(inline: string | undefined, production = false): TotpSecretCipher {
  const config = { issuer: 'Latch', adminRequireMfa: false, inline, file: undefined, devFile: '' };
  const app = { production } as never;
  const cipher = new TotpSecretCipher(config, app);
  cipher.onModuleInit();
  return cipher;
}

describe('TotpSecretCipher', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));

  it('seals with AES-256-GCM: the ciphertext holds neither the secret nor its base32', () => {
    const cipher = cipherWith(key());
    const secret = randomBytes(20);
    const sealed = cipher.seal(secret, USER);
    expect(sealed.ciphertext.includes(secret)).toBe(false);
    expect(sealed.ciphertext).toHaveLength(12 + 16 + 20);
    expect(cipher.open(sealed, USER).equals(secret)).toBe(true);
    // A fresh IV each time.
    expect(cipher.seal(secret, USER).ciphertext.equals(sealed.ciphertext)).toBe(false);
  });

  it('refuses a ciphertext moved to another user or altered', () => {
    const cipher = cipherWith(key());
    const sealed = cipher.seal(randomBytes(20), USER);
    expect(() => cipher.open(sealed, OTHER_USER)).toThrow();
    const altered = Buffer.from(sealed.ciphertext);
    altered[altered.length - 1] ^= 1;
    expect(() => cipher.open({ ...sealed, ciphertext: altered }, USER)).toThrow();
  });

  it('after a rotation, opens what older keys sealed, seals with the newest, flags the stale', () => {
    const [oldKey, newKey] = [key(), key()];
    const before = cipherWith(oldKey);
    const secret = randomBytes(20);
    const sealed = before.seal(secret, USER);
    const after = cipherWith(`${oldKey},${newKey}`);
    expect(after.open(sealed, USER).equals(secret)).toBe(true);
    expect(after.isStale(sealed.keyId)).toBe(true);
    const resealed = after.seal(secret, USER);
    expect(resealed.keyId).not.toBe(sealed.keyId);
    expect(after.isStale(resealed.keyId)).toBe(false);
    // Once the old key leaves the ring, what it sealed cannot be opened.
    expect(() => cipherWith(newKey).open(sealed, USER)).toThrow(/which is not in AUTH_MFA_KEY/);
  });

  it('requires a key in production', () => {
    expect(() => cipherWith(undefined, true)).toThrow(ConfigurationError);
  });
});
