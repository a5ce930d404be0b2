import {
  hashRecoveryCode,
  newRecoveryCodes,
  normalizeRecoveryCode,
  RECOVERY_CODES_PER_SET,
} from './recovery-codes';

describe('recovery codes', () => {
  it('makes ten distinct codes of 16 base32 characters (80 bits), with their hashes', () => {
    const { codes, hashes } = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODES_PER_SET);
    expect(new Set(codes).size).toBe(RECOVERY_CODES_PER_SET);
    for (const [i, code] of codes.entries()) {
      expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
      expect(hashes[i].equals(hashRecoveryCode(normalizeRecoveryCode(code)!))).toBe(true);
      expect(hashes[i].toString('hex')).not.toContain(Buffer.from(code).toString('hex'));
    }
  });

  it('reads a code in any case, with or without hyphens and spaces', () => {
    expect(normalizeRecoveryCode('ABCD-efgh-2345-ijkl')).toBe('abcdefgh2345ijkl');
    expect(normalizeRecoveryCode(' abcd efgh 2345 ijkl ')).toBe('abcdefgh2345ijkl');
    expect(normalizeRecoveryCode('abcdefgh2345ijkl')).toBe('abcdefgh2345ijkl');
  });

  it('refuses what cannot be a code', () => {
    for (const input of ['', 'abcd-efgh-2345', 'abcd-efgh-2345-ijkl-mnop', 'abcd-efgh-2345-ijk1']) {
      expect(normalizeRecoveryCode(input)).toBeUndefined();
    }
  });
});
