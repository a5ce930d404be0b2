/** Shared assertions and token tools for the auth e2e specs. */
import { createHmac, createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpResponse } from '../support/http';
import { PASSWORD, type TestApp, type TokenResponse, uniqueEmail } from '../support/test-app';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** A stack frame as Node prints it ("at fn (file.js:1:2)"). */
const STACK_FRAME = /\bat .*\(?[^\s()]+:\d+:\d+\)?/;

/**
 * Asserts an RFC 9457 problem answer: the status, the stable code, the media type, `status`
 * in the body equal to the HTTP status, and `errors` only on validation_failed.
 */
export function expectProblem(
  response: HttpResponse,
  status: number,
  code: string | readonly string[],
): void {
  const codes = typeof code === 'string' ? [code] : code;
  // Status and body together, so a failure shows what came back.
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { status, code: expect.any(String) },
  });
  expect(codes).toContain(response.body.code);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.type).toBe('about:blank');
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
}

/** A token response of API.md, as register/login/refresh return it. */
export function expectTokenResponse(body: TokenResponse): void {
  expect(body).toMatchObject({
    tokenType: 'Bearer',
    accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    expiresIn: expect.any(Number),
    refreshToken: expect.stringMatching(/^[A-Za-z0-9._~-]+$/),
    refreshExpiresIn: expect.any(Number),
    sessionId: expect.stringMatching(UUID),
  });
  expect(Number.isInteger(body.expiresIn)).toBe(true);
  expect(Number.isInteger(body.refreshExpiresIn)).toBe(true);
}

export const refresh = (t: TestApp, refreshToken: string, headers?: Record<string, string>) =>
  t.http.post<TokenResponse>('/auth/refresh', { refreshToken }, { headers });

/** Refreshes and insists on 200. */
export async function rotate(t: TestApp, refreshToken: string): Promise<TokenResponse> {
  const response = await refresh(t, refreshToken);
  if (response.status !== 200) {
    throw new Error(`refresh failed: ${response.status} ${response.text}`);
  }
  return response.body;
}

/** Logs in with extra headers (e.g. a user agent) and insists on 200. */
export async function loginAs(
  t: TestApp,
  email: string,
  headers: Record<string, string> = {},
  password = PASSWORD,
): Promise<TokenResponse> {
  const response = await t.http.post<TokenResponse>(
    '/auth/login',
    { email, password },
    { headers },
  );
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body;
}

export { uniqueEmail };

/** The id half of a refresh token (the row's primary key). */
export const tokenId = (refreshToken: string) => refreshToken.split('.')[0];

export const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function decodeJwt(token: string): {
  header: Record<string, any>;
  payload: Record<string, any>;
} {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}

export type Signer =
  | { kind: 'es256'; key: KeyObject }
  | { kind: 'rs256'; key: KeyObject }
  | { kind: 'hs256'; secret: string | Buffer }
  | { kind: 'none' };

/** A compact JWS built by hand, so every header field and the signature are ours to choose. */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer: Signer,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  let signature: Buffer;
  switch (signer.kind) {
    case 'es256':
      signature = sign('sha256', Buffer.from(input), {
        key: signer.key,
        dsaEncoding: 'ieee-p1363',
      });
      break;
    case 'rs256':
      signature = sign('sha256', Buffer.from(input), signer.key);
      break;
    case 'hs256':
      signature = createHmac('sha256', signer.secret).update(input).digest();
      break;
    case 'none':
      signature = Buffer.alloc(0);
      break;
  }
  return `${input}.${signature.toString('base64url')}`;
}

export interface DevKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  kid: string;
}

/**
 * The app's development signing key, read from `${DATA_DIR}/keys/*.pem`; its kid is taken
 * from the published JWKS (the key whose public point matches).
 */
export async function devSigningKey(t: TestApp): Promise<DevKey> {
  const dir = join(t.db.dataDir, 'keys');
  const files = readdirSync(dir).filter((name) => name.endsWith('.pem'));
  const jwks = await t.http.get<{ keys: Record<string, string>[] }>('/.well-known/jwks.json');
  for (const file of files) {
    const privateKey = createPrivateKey(readFileSync(join(dir, file), 'utf8'));
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    const published = jwks.body.keys.find((key) => key.x === jwk.x && key.y === jwk.y);
    if (published) {
      return {
        privateKey,
        publicKey,
        publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        kid: published.kid,
      };
    }
  }
  throw new Error(`no key under ${dir} is in the JWKS`);
}

/** Claims exactly as Latch issues them, for the given user and session. */
export function accessClaims(
  userId: string,
  sessionId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'latch',
    aud: 'latch-api',
    sub: userId,
    sid: sessionId,
    jti: `forged-${Math.random().toString(36).slice(2)}`,
    iat: now,
    exp: now + 600,
    roles: ['user'],
    ...overrides,
  };
}

export async function countRows(t: TestApp, query: string, params?: unknown[]): Promise<number> {
  const rows = await t.sql<{ n: number }>(query, params);
  return Number(rows[0].n);
}

export async function sessionRow(t: TestApp, sessionId: string) {
  const rows = await t.sql<{
    id: string;
    user_id: string;
    created_at: Date;
    last_used_at: Date;
    idle_expires_at: Date;
    absolute_expires_at: Date;
    user_agent: string | null;
    ip: string | null;
    revoked_at: Date | null;
    revoke_reason: string | null;
  }>(`SELECT * FROM sessions WHERE id = $1`, [sessionId]);
  expect(rows).toHaveLength(1);
  return rows[0];
}

export async function tokenRow(t: TestApp, refreshToken: string) {
  const rows = await t.sql<{
    id: string;
    session_id: string;
    parent_id: string | null;
    expires_at: Date;
    rotated_at: Date | null;
  }>(`SELECT id, session_id, parent_id, expires_at, rotated_at FROM refresh_tokens WHERE id = $1`, [
    tokenId(refreshToken),
  ]);
  expect(rows).toHaveLength(1);
  return rows[0];
}

export const childCount = (t: TestApp, refreshToken: string) =>
  countRows(t, `SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_id = $1`, [
    tokenId(refreshToken),
  ]);

export const ms = (value: Date | string) => new Date(value).getTime();

export const sleepUntil = (deadline: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
