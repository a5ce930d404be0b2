/**
 * The refresh cookie: its attributes per AUTH_REFRESH_TRANSPORT / AUTH_COOKIE_SECURE, its
 * clearing on logout, and the cross-site rule for cookie-authenticated requests (an allowed
 * Origin, or X-Requested-With without one); a refused request spends nothing.
 */
import { expectProblem } from '../support/forge';
import type { HttpResponse } from '../support/http';
import { refreshCookie, type RefreshCookie, tokenId } from '../support/refresh-token';
import { PASSWORD, registerUser, startApp, TestApp, uniqueEmail } from '../support/test-app';

function expectRefreshCookie(
  response: HttpResponse,
  token: string,
  secure: boolean,
): RefreshCookie {
  const cookie = refreshCookie(response);
  expect(cookie).toBeDefined();
  const { value, attributes } = cookie!;
  expect(value).toBe(token);
  expect(attributes.httponly).toBe(true);
  expect(attributes.samesite).toBe('Strict');
  expect(attributes.path).toBe('/auth');
  expect(attributes['max-age']).toMatch(/^\d+$/);
  expect(
    Math.abs(Number(attributes['max-age']) - response.body.refreshExpiresIn),
  ).toBeLessThanOrEqual(1);
  expect(Number(attributes['max-age'])).toBeGreaterThan(1_209_000);
  if (secure) expect(attributes.secure).toBe(true);
  else expect(attributes.secure).toBeUndefined();
  expect(attributes.domain).toBeUndefined();
  return cookie!;
}

function expectClearedCookie(response: HttpResponse): void {
  const cookie = refreshCookie(response);
  expect(cookie).toBeDefined();
  expect(cookie!.value).toBe('');
  expect(cookie!.attributes.path).toBe('/auth');
  const maxAge = cookie!.attributes['max-age'];
  const expires = cookie!.attributes.expires;
  const gone =
    maxAge === '0' || (typeof expires === 'string' && new Date(expires).getTime() < Date.now());
  expect(gone).toBe(true);
}

const cookieHeader = (token: string) => `refresh_token=${encodeURIComponent(token)}`;

describe('refresh cookie', () => {
  describe('AUTH_REFRESH_TRANSPORT=both (default)', () => {
    let t: TestApp;
    const allowed = ['https://app.example.com', 'https://admin.example.com'];

    beforeAll(async () => {
      t = await startApp({ env: { CORS_ORIGINS: allowed.join(',') } });
    });
    afterAll(() => t.close());

    const rotatedAt = async (token: string) =>
      (await t.sql('SELECT rotated_at FROM refresh_tokens WHERE id = $1', [tokenId(token)]))[0]
        .rotated_at;

    const refreshByCookie = (token: string, headers: Record<string, string> = {}) =>
      t.http.post('/auth/refresh', undefined, {
        headers: { cookie: cookieHeader(token), ...headers },
      });

    it('sets refresh_token; HttpOnly; SameSite=Strict; Path=/auth; Max-Age, without Secure, on register, login and refresh', async () => {
      const email = uniqueEmail();
      const registered = await t.http.post('/auth/register', { email, password: PASSWORD });
      expect(registered.status).toBe(201);
      expect(registered.body.refreshToken).toEqual(expect.any(String));
      expectRefreshCookie(registered, registered.body.refreshToken, false);

      const login = await t.http.post('/auth/login', { email, password: PASSWORD });
      expect(login.status).toBe(200);
      expectRefreshCookie(login, login.body.refreshToken, false);

      const refreshed = await t.http.post('/auth/refresh', {
        refreshToken: login.body.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      expectRefreshCookie(refreshed, refreshed.body.refreshToken, false);
      expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    });

    it('clears the cookie on logout and on logout-all', async () => {
      const user = await registerUser(t.http);
      const byCookie = await t.http.post('/auth/logout', undefined, {
        headers: { cookie: cookieHeader(user.refreshToken), 'x-requested-with': 'XMLHttpRequest' },
      });
      expect(byCookie.status).toBe(204);
      expectClearedCookie(byCookie);
      const session = await t.sql('SELECT revoke_reason FROM sessions WHERE id = $1', [
        user.sessionId,
      ]);
      expect(session).toEqual([{ revoke_reason: 'logout' }]);

      const other = await registerUser(t.http);
      const byAccessToken = await t.http.post('/auth/logout', undefined, {
        token: other.accessToken,
      });
      expect(byAccessToken.status).toBe(204);
      expectClearedCookie(byAccessToken);

      const third = await registerUser(t.http);
      const all = await t.http.post('/auth/logout-all', undefined, { token: third.accessToken });
      expect(all.status).toBe(204);
      expectClearedCookie(all);
    });

    it('refreshes by cookie with X-Requested-With and no Origin', async () => {
      const user = await registerUser(t.http);
      const response = await refreshByCookie(user.refreshToken, {
        'x-requested-with': 'XMLHttpRequest',
      });
      expect(response.status).toBe(200);
      expectRefreshCookie(response, response.body.refreshToken, false);
      expect(await rotatedAt(user.refreshToken)).not.toBeNull();
    });

    it("refreshes by cookie with the service's own Origin", async () => {
      const user = await registerUser(t.http);
      const response = await refreshByCookie(user.refreshToken, { origin: t.url });
      expect(response.status).toBe(200);
      expectRefreshCookie(response, response.body.refreshToken, false);
    });

    it('refreshes by cookie with an Origin listed in CORS_ORIGINS', async () => {
      for (const origin of allowed) {
        const user = await registerUser(t.http);
        const response = await refreshByCookie(user.refreshToken, { origin });
        expect(response.status).toBe(200);
        expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      }
    });

    it('refuses a foreign Origin with 403 forbidden and does not spend the token', async () => {
      const user = await registerUser(t.http);
      const port = new URL(t.url).port;
      const foreign = [
        'https://evil.example',
        'null',
        `http://localhost:${port}`,
        `http://127.0.0.1:${Number(port) + 1}`,
        `https://127.0.0.1:${port}`,
        `${t.url}.evil.example`,
        `${allowed[0]}.evil.example`,
        `${allowed[0]}:8443`,
        'http://app.example.com',
      ];
      for (const origin of foreign) {
        const variants: Record<string, string>[] = [
          { origin },
          { origin, 'x-requested-with': 'XMLHttpRequest' },
        ];
        for (const headers of variants) {
          const response = await refreshByCookie(user.refreshToken, headers);
          expectProblem(response, 403, 'forbidden', [user.refreshToken]);
          expect(refreshCookie(response)).toBeUndefined();
        }
      }
      expect(await rotatedAt(user.refreshToken)).toBeNull();
      const children = await t.sql(
        'SELECT count(*)::int AS n FROM refresh_tokens WHERE parent_id = $1',
        [tokenId(user.refreshToken)],
      );
      expect(children[0].n).toBe(0);
      // Logging out by cookie from a foreign origin is refused the same way.
      const logout = await t.http.post('/auth/logout', undefined, {
        headers: { cookie: cookieHeader(user.refreshToken), origin: 'https://evil.example' },
      });
      expectProblem(logout, 403, 'forbidden');
      const session = await t.sql('SELECT revoked_at FROM sessions WHERE id = $1', [
        user.sessionId,
      ]);
      expect(session).toEqual([{ revoked_at: null }]);
      // The very same cookie still works from a legitimate page.
      const legit = await refreshByCookie(user.refreshToken, {
        'x-requested-with': 'XMLHttpRequest',
      });
      expect(legit.status).toBe(200);
    });

    it('refuses a cookie with neither Origin nor X-Requested-With with 403 forbidden', async () => {
      const user = await registerUser(t.http);
      const response = await refreshByCookie(user.refreshToken);
      expectProblem(response, 403, 'forbidden', [user.refreshToken]);
      expect(await rotatedAt(user.refreshToken)).toBeNull();
      const logout = await t.http.post('/auth/logout', undefined, {
        headers: { cookie: cookieHeader(user.refreshToken) },
      });
      expectProblem(logout, 403, 'forbidden');
      expect((await refreshByCookie(user.refreshToken, { origin: t.url })).status).toBe(200);
    });

    it('does not apply the cross-site rule to a token in the body', async () => {
      const user = await registerUser(t.http);
      const response = await t.http.post(
        '/auth/refresh',
        { refreshToken: user.refreshToken },
        { headers: { origin: 'https://evil.example' } },
      );
      expect(response.status).toBe(200);
    });
  });

  describe('AUTH_COOKIE_SECURE=true', () => {
    it('adds Secure', async () => {
      const t = await startApp({ env: { AUTH_COOKIE_SECURE: 'true' } });
      try {
        const registered = await t.http.post('/auth/register', {
          email: uniqueEmail(),
          password: PASSWORD,
        });
        expect(registered.status).toBe(201);
        expectRefreshCookie(registered, registered.body.refreshToken, true);
        const logout = await t.http.post('/auth/logout', undefined, {
          token: registered.body.accessToken,
        });
        expectClearedCookie(logout);
        expect(refreshCookie(logout)!.attributes.secure).toBe(true);
      } finally {
        await t.close();
      }
    });
  });

  describe('AUTH_REFRESH_TRANSPORT=cookie', () => {
    it('leaves refreshToken out of the JSON and refreshes by cookie', async () => {
      const t = await startApp({ env: { AUTH_REFRESH_TRANSPORT: 'cookie' } });
      try {
        const email = uniqueEmail();
        const registered = await t.http.post('/auth/register', { email, password: PASSWORD });
        expect(registered.status).toBe(201);
        expect(registered.body).not.toHaveProperty('refreshToken');
        expect(registered.body.accessToken).toEqual(expect.any(String));
        const cookie = refreshCookie(registered)!;
        expect(cookie).toBeDefined();
        expect(cookie.value).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
        expectRefreshCookie(registered, cookie.value, false);

        const login = await t.http.post('/auth/login', { email, password: PASSWORD });
        expect(login.status).toBe(200);
        expect(login.body).not.toHaveProperty('refreshToken');
        expect(refreshCookie(login)).toBeDefined();

        const refreshed = await t.http.post('/auth/refresh', undefined, {
          headers: { cookie: cookieHeader(cookie.value), 'x-requested-with': 'XMLHttpRequest' },
        });
        expect(refreshed.status).toBe(200);
        expect(refreshed.body).not.toHaveProperty('refreshToken');
        const next = refreshCookie(refreshed)!;
        expect(next.value).not.toBe(cookie.value);
        expectRefreshCookie(refreshed, next.value, false);

        const denied = await t.http.post('/auth/refresh', undefined, {
          headers: { cookie: cookieHeader(next.value), origin: 'https://evil.example' },
        });
        expectProblem(denied, 403, 'forbidden');

        const logout = await t.http.post('/auth/logout', undefined, {
          headers: { cookie: cookieHeader(next.value), 'x-requested-with': 'XMLHttpRequest' },
        });
        expect(logout.status).toBe(204);
        expectClearedCookie(logout);
      } finally {
        await t.close();
      }
    });
  });

  describe('AUTH_REFRESH_TRANSPORT=body', () => {
    it('sets no cookie and ignores one that is sent', async () => {
      const t = await startApp({ env: { AUTH_REFRESH_TRANSPORT: 'body' } });
      try {
        const email = uniqueEmail();
        const registered = await t.http.post('/auth/register', { email, password: PASSWORD });
        expect(registered.status).toBe(201);
        expect(registered.body.refreshToken).toEqual(expect.any(String));
        expect(refreshCookie(registered)).toBeUndefined();
        const login = await t.http.post('/auth/login', { email, password: PASSWORD });
        expect(refreshCookie(login)).toBeUndefined();

        const byCookie = await t.http.post('/auth/refresh', undefined, {
          headers: {
            cookie: cookieHeader(login.body.refreshToken),
            'x-requested-with': 'XMLHttpRequest',
          },
        });
        expectProblem(byCookie, 401, 'invalid_grant', [login.body.refreshToken]);
        const rows = await t.sql('SELECT rotated_at FROM refresh_tokens WHERE id = $1', [
          tokenId(login.body.refreshToken),
        ]);
        expect(rows).toEqual([{ rotated_at: null }]);

        const refreshed = await t.http.post('/auth/refresh', {
          refreshToken: login.body.refreshToken,
        });
        expect(refreshed.status).toBe(200);
        expect(refreshCookie(refreshed)).toBeUndefined();
        const logout = await t.http.post('/auth/logout', {
          refreshToken: refreshed.body.refreshToken,
        });
        expect(logout.status).toBe(204);
        expect(refreshCookie(logout)).toBeUndefined();
      } finally {
        await t.close();
      }
    });
  });
});
