import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * A refresh token is `<id>.<secret>`: the id (a uuid) finds the row, the secret (32 random
 * bytes, base64url) proves possession. Only SHA-256(secret) is stored; a plain hash is
 * enough because the secret has 256 bits of entropy.
 */
export interface RefreshTokenParts {
  id: string;
  secret: Buffer;
}

const TOKEN_PATTERN =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;

export function formatRefreshToken(parts: RefreshTokenParts): string {
  return `${parts.id}.${parts.secret.toString('base64url')}`;
}

/** Returns null for anything that is not exactly a well-formed refresh token. */
export function parseRefreshToken(token: unknown): RefreshTokenParts | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const secret = Buffer.from(match[2], 'base64url');
  return secret.length === SECRET_BYTES ? { id: match[1], secret } : null;
}

export function newRefreshToken(): RefreshTokenParts {
  return { id: randomUUID(), secret: randomBytes(SECRET_BYTES) };
}

export function hashSecret(secret: Buffer): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function secretMatches(secret: Buffer, storedHash: Buffer): boolean {
  const hash = hashSecret(secret);
  return storedHash.length === hash.length && timingSafeEqual(hash, storedHash);
}

/**
 * The successor of a token is derived, not random: HMAC(server key, parent secret, child id).
 * A replay of the parent inside the grace window can then be answered with the very same
 * successor without the successor ever being stored. Deriving it needs both the parent's
 * secret (which the server never stores) and the server key (which clients never see).
 */
export function deriveSuccessor(
  key: Buffer,
  parentSecret: Buffer,
  successorId: string,
): RefreshTokenParts {
  const secret = createHmac('sha256', key)
    .update('latch/refresh-successor/v1\0')
    .update(parentSecret)
    .update(successorId)
    .digest();
  return { id: successorId, secret };
}
