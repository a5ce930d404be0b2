import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: states, cookies, one-time codes and link tickets. */
export const newSecret = () => randomBytes(32).toString('base64url');

const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The SHA-256 that names a secret's row; undefined for anything that cannot be one. */
export const hashOfSecret = (secret: unknown): Buffer | undefined =>
  typeof secret === 'string' && SECRET_SHAPE.test(secret)
    ? createHash('sha256').update(secret).digest()
    : undefined;

/**
 * The PKCE verifier and the nonce of a flow, derived from its browser cookie rather than
 * stored: only that browser can finish the flow, and the database holds neither.
 */
export function flowSecretsOf(browserSecret: string): { codeVerifier: string; nonce: string } {
  const derive = (label: string) =>
    createHash('sha256').update(`latch-oidc:${label}:${browserSecret}`).digest('base64url');
  return { codeVerifier: derive('pkce'), nonce: derive('nonce') };
}

export const codeChallengeOf = (codeVerifier: string) =>
  createHash('sha256').update(codeVerifier).digest('base64url');
