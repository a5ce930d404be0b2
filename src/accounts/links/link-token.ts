import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: 43 characters of [A-Za-z0-9_-]. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type LinkKind = 'verify_email' | 'reset_password' | 'change_email';

/** A fresh link token and the hash that is all the database keeps of it. */
export function newLinkToken(): { token: string; hash: Buffer } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

/** SHA-256: the token has 256 bits of entropy, so a fast hash is as good as a slow one. */
export function hashLinkToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export const isLinkTokenShape = (token: string) => TOKEN_SHAPE.test(token);
