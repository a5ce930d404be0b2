/**
 * Shared assertions and row helpers for the auth e2e specs. The JWT and problem tools
 * (expectProblem, decodeJwt, signJwt, accessClaims, the dev key...) are in ../support/forge.
 */
import { tokenId } from '../support/refresh-token';
import { PASSWORD, type TestApp, type TokenResponse, uniqueEmail } from '../support/test-app';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A token response of docs/api.md, as register/login/refresh return it. */
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

/** The session row is revoked, for the given reason. */
export async function expectSessionRevoked(t: TestApp, sessionId: string, reason: string) {
  const row = await sessionRow(t, sessionId);
  expect(row.revoked_at).not.toBeNull();
  expect(row.revoke_reason).toBe(reason);
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
