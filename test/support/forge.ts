/**
 * Tools for every spec that handles tokens or error answers: hand-made JWTs (forged,
 * mis-signed or signed with the app's own development key), the app's keys, and checks that an
 * error response is a clean problem document that leaks nothing.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  randomUUID,
  sign,
} from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signingKeyFromPem, SigningKey } from '../../src/auth/tokens/key-files';
import type { HttpResponse } from './http';
import type { TestApp } from './test-app';

export type Json = Record<string, unknown>;

/** base64url of a string or bytes, or of an object's JSON text. */
export const b64url = (value: Json | string | Buffer) =>
  Buffer.from(typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : value)
    .toString('base64url')
    .replace(/=+$/, '');

/** The decoded header and payload of a compact JWS (no verification). */
export function decodeJwt(token: string): {
  header: Record<string, any>;
  payload: Record<string, any>;
  signature: string;
} {
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

/**
 * How signJwt signs, whatever the header claims: with a private key, with an HMAC secret (the
 * classic algorithm-confusion forgery), or not at all (`signature`, default empty, is then put
 * in the third part as is).
 */
export type Signer =
  | { kind: 'es256'; key: KeyObject }
  | { kind: 'rs256'; key: KeyObject }
  | { kind: 'hs256'; secret: string | Buffer }
  | { kind: 'none'; signature?: string };

/** A compact JWS built by hand, so every header field and the signature are ours to choose. */
export function signJwt(header: Json, payload: Json, signer: Signer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  let signature: string;
  switch (signer.kind) {
    case 'es256':
      signature = sign('sha256', Buffer.from(input), {
        key: signer.key,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      break;
    case 'rs256':
      signature = sign('sha256', Buffer.from(input), signer.key).toString('base64url');
      break;
    case 'hs256':
      signature = createHmac('sha256', signer.secret).update(input).digest('base64url');
      break;
    case 'none':
      signature = signer.signature ?? '';
      break;
  }
  return `${input}.${signature}`;
}

/** The app's development signing key, as loaded from its file. */
export interface DevKey extends SigningKey {
  /** The private key file's PEM text, as an attacker who found it would have it. */
  pem: string;
  /** The public half as SPKI PEM text. */
  publicPem: string;
}

/**
 * The app's development signing key, read from `${DATA_DIR}/keys/*.pem` (oldest first): the
 * first one whose public key the running app publishes in its JWKS, under the same kid.
 */
export async function devSigningKey(t: Pick<TestApp, 'http' | 'db'>): Promise<DevKey> {
  const dir = join(t.db.dataDir, 'keys');
  const jwks = await t.http.get<{ keys: Record<string, string>[] }>('/.well-known/jwks.json');
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.pem'))
    .sort();
  for (const name of names) {
    const pem = readFileSync(join(dir, name), 'utf8');
    const key = signingKeyFromPem(pem, 'ES256', name);
    const published = jwks.body.keys.find((jwk) =>
      ['kty', 'crv', 'x', 'y'].every((member) => jwk[member] === key.publicJwk[member]),
    );
    if (published) {
      if (published.kid !== key.kid) {
        throw new Error(`${name} is published under kid ${published.kid}, not ${key.kid}`);
      }
      return { ...key, pem, publicPem: publicPemOf(pem) };
    }
  }
  throw new Error(`no key under ${dir} is in the JWKS`);
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

/** Claims exactly as Latch issues them (a fresh UUID jti each time), valid now. */
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
    jti: randomUUID(),
    ...overrides,
  };
}

/** A stack frame as Node prints it ("at fn (file.js:1:2)"). */
const STACK_FRAME = /\bat .*\(?[^\s()]+:\d+:\d+\)?/;
const STACK_TRACE = /\bat [^\s]+ \(|\bat .*\.(?:js|ts):\d+|node:internal|\/node_modules\//;
const SQL_FRAGMENT =
  /\b(?:SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|QueryFailedError|syntax error at|violates|duplicate key|relation "|column "|pg_|sqlstate)\b/i;

/**
 * Asserts an RFC 9457 problem answer: the status (also as `status` in the body), the stable
 * code (or one of several), the media type, `type: about:blank`, a title and a detail, `errors`
 * only on validation_failed; and that the body leaks neither a stack trace, nor SQL, nor any of
 * the given secrets (passwords, tokens).
 */
export function expectProblem(
  response: HttpResponse,
  status: number,
  code?: string | readonly string[],
  secrets: readonly string[] = [],
): void {
  // Status and body together, so a failure shows what came back (the text if it is not JSON).
  expect({
    status: response.status,
    body: response.body ?? response.text.slice(0, 300),
  }).toMatchObject({
    status,
    body: { type: 'about:blank', status, code: expect.any(String) },
  });
  if (code !== undefined) {
    expect(typeof code === 'string' ? [code] : code).toContain(response.body.code);
  }
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  if (response.body.code === 'validation_failed') {
    // Field errors when there are fields to name (a body that is not JSON has none).
    if (response.body.errors !== undefined) {
      expect(response.body.errors).toEqual(
        expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]),
      );
    }
  } else {
    expect(response.body).not.toHaveProperty('errors');
  }
  expect(response.text).not.toMatch(STACK_FRAME);
  expectNoLeak(response, secrets);
}

/** Only the part of a check that applies to any response: no trace, no SQL, no secret. */
export function expectNoLeak(response: HttpResponse, secrets: readonly string[] = []): void {
  expect(response.status).toBeLessThan(500);
  expect(response.text).not.toMatch(STACK_TRACE);
  expect(response.text).not.toMatch(SQL_FRAGMENT);
  for (const secret of secrets) {
    if (secret.length >= 6) expect(response.text).not.toContain(secret);
  }
}
