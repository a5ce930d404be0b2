import { createHash, randomInt } from 'node:crypto';

/** Ten codes a set, each 16 characters of base32 (80 bits), shown as xxxx-xxxx-xxxx-xxxx. */
export const RECOVERY_CODES_PER_SET = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LENGTH = 16;
const GROUP = 4;
const NORMALIZED_SHAPE = /^[a-z2-7]{16}$/;

/**
 * SHA-256 is enough: 80 random bits cannot be searched from a leaked hash, and a slow hash
 * would cost ten verifications per attempt.
 */
export function hashRecoveryCode(normalized: string): Buffer {
  return createHash('sha256').update('latch/recovery-code\0').update(normalized).digest();
}

/** A new set: the codes to show once and the hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: Buffer[] } {
  const codes = Array.from({ length: RECOVERY_CODES_PER_SET }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]);
    const groups = [];
    for (let at = 0; at < LENGTH; at += GROUP) groups.push(chars.slice(at, at + GROUP).join(''));
    return groups.join('-');
  });
  return { codes, hashes: codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code)!)) };
}

/**
 * A code as typed: any case, with or without hyphens and spaces. Undefined when it cannot be
 * a recovery code at all.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const normalized = input.toLowerCase().replace(/[\s-]/g, '');
  return NORMALIZED_SHAPE.test(normalized) ? normalized : undefined;
}
