/**
 * Tools for attack and hardening specs: hand-made JWTs (forged, mis-signed or signed with the
 * app's own development key), the app's keys, and checks that an error response is a clean
 * problem document that leaks nothing.
 */
import { createHmac, createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signingKeyFromPem, SigningKey } from '../../src/auth/tokens/key-files';
import type { HttpResponse } from './http';

export type Json = Record<string, unknown>;

export const b64url = (value: Json | string | Buffer) =>
  Buffer.from(typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : value)
    .toString('base64url')
    .replace(/=+$/, '');

/** The decoded header and payload of a compact JWS (no verification). */
export function decodeJwt(token: string): { header: Json; payload: Json; signature: string } {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
    signature,
  };
}

/** A copy of the object without the given keys. */
export const without = (object: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));

/** `header.payload` plus whatever signature part is given (default: none at all). */
export function unsignedJwt(header: Json, payload: Json, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

/** ES256 / RS256 signature over `header.payload` with the given private key. */
export function signJwt(header: Json, payload: Json, key: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const alg = header.alg;
  let signature: Buffer;
  if (alg === 'ES256') {
    signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  } else if (alg === 'RS256') {
    signature = sign('sha256', Buffer.from(input), key);
  } else {
    throw new Error(`signJwt: unsupported alg ${String(alg)}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

/** HS256 with an arbitrary shared secret: the classic algorithm-confusion forgery. */
export function hs256Jwt(header: Json, payload: Json, secret: string | Buffer): string {
  const input = `${b64url({ ...header, alg: 'HS256' })}.${b64url(payload)}`;
  const mac = createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${mac}`;
}

/** The development signing key(s) the app generated under DATA_DIR/keys, oldest first. */
export function devKeys(dataDir: string): SigningKey[] {
  const dir = join(dataDir, 'keys');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.pem'))
    .sort()
    .map((name) => signingKeyFromPem(readFileSync(join(dir, name), 'utf8'), 'ES256', name));
}

/** The PEM text of the development key file itself (private), as an attacker might find it. */
export function devKeyPem(dataDir: string): string {
  const dir = join(dataDir, 'keys');
  const name = readdirSync(dir).find((file) => file.endsWith('.pem'));
  if (!name) throw new Error(`no key under ${dir}`);
  return readFileSync(join(dir, name), 'utf8');
}

/** A public JWK (as served by /.well-known/jwks.json) as SPKI PEM text. */
export function jwkToPublicPem(jwk: Json): string {
  return createPublicKey({ key: jwk, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

export const publicPemOf = (privatePem: string) =>
  createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }) as string;

/** Claims like the app's own, valid now, for the given user and session. */
export function accessClaims(sub: string, sid: string, overrides: Json = {}): Json {
  const now = Math.floor(Date.now() / 1000);
  return {
    sid,
    roles: ['user'],
    iat: now,
    exp: now + 600,
    aud: 'latch-api',
    iss: 'latch',
    sub,
    jti: '6f1c3c55-2c2e-4b55-9f7c-1d5e3f1c2a10',
    ...overrides,
  };
}

const STACK_TRACE = /\bat [^\s]+ \(|\bat .*\.(?:js|ts):\d+|node:internal|\/node_modules\//;
const SQL_FRAGMENT =
  /\b(?:SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|QueryFailedError|syntax error at|violates|duplicate key|relation "|column "|pg_|sqlstate)\b/i;

/**
 * Asserts that a response is the expected problem document and that its body leaks neither a
 * stack trace, nor SQL, nor any of the given secrets (passwords, tokens).
 */
export function expectProblem(
  response: HttpResponse,
  status: number,
  code?: string,
  secrets: string[] = [],
): void {
  const context = `${response.status} ${response.text.slice(0, 300)}`;
  expect({ status: response.status, context }).toEqual({ status, context });
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ type: 'about:blank', status });
  if (code !== undefined) expect(response.body.code).toBe(code);
  expectNoLeak(response, secrets);
}

/** Only the part of a check that applies to any response: no trace, no SQL, no secret. */
export function expectNoLeak(response: HttpResponse, secrets: string[] = []): void {
  expect(response.status).toBeLessThan(500);
  expect(response.text).not.toMatch(STACK_TRACE);
  expect(response.text).not.toMatch(SQL_FRAGMENT);
  for (const secret of secrets) {
    if (secret.length >= 6) expect(response.text).not.toContain(secret);
  }
}
