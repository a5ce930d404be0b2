import { timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SECRET_BYTES = 20; // 160 bits, the length RFC 4226 recommends
/** Codes of one step before or after the current one are accepted (clock drift). */
const DRIFT_STEPS = 1;

export const TOTP_CODE_SHAPE = /^\d{6}$/;

const totpFor = (secret: Buffer, issuer = '', label = '') =>
  new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });

/** A fresh random secret (raw bytes; only its ciphertext is stored). */
export function newTotpSecret(): Buffer {
  return Buffer.from(new Secret({ size: SECRET_BYTES }).bytes);
}

/** The secret as an authenticator app takes it by hand: base32, no padding. */
export function base32Of(secret: Buffer): string {
  return new Secret({ buffer: new Uint8Array(secret).buffer }).base32;
}

/** `otpauth://totp/<issuer>:<account>?secret=…&issuer=<issuer>&algorithm=SHA1&digits=6&period=30`. */
export function otpauthUrl(secret: Buffer, issuer: string, account: string): string {
  return totpFor(secret, issuer, account).toString();
}

/** The 30 s step a time falls in (the RFC's T). */
export const stepAt = (ms: number) => Math.floor(ms / 1000 / PERIOD_SECONDS);

/**
 * The latest step within the drift window whose code is `code`, or undefined. Every candidate
 * is compared in constant time, so the answer's timing does not say which step matched.
 */
export function matchingStep(secret: Buffer, code: string, nowMs: number): number | undefined {
  if (!TOTP_CODE_SHAPE.test(code)) return undefined;
  const totp = totpFor(secret);
  const current = stepAt(nowMs);
  let matched: number | undefined;
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    const expected = totp.generate({ timestamp: step * PERIOD_SECONDS * 1000 });
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code))) matched = step;
  }
  return matched;
}
